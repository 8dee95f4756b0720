"""What a wrong decision costs: the weights behind the cost-weighted decision error.

Rows are the gold decision, columns the policy's decision (`none` when the run
produced no decision). A wrong automatic create or update on a call that is about
money (refund, cancellation, billing, ...) is multiplied by `money_factor`, so it
costs more than an unnecessary review. The weights live in the thresholds file;
the defaults below are what `evals/thresholds.yaml` ships with.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from callhandoff.schema.enums import DecisionKind, Intent

GOLD_DECISIONS: tuple[str, ...] = tuple(kind.value for kind in DecisionKind)
PRED_DECISIONS: tuple[str, ...] = (*GOLD_DECISIONS, "none")
AUTOMATIC: frozenset[str] = frozenset({DecisionKind.CREATE.value, DecisionKind.UPDATE.value})

DEFAULT_MATRIX: dict[str, dict[str, float]] = {
    "create": {"create": 0.0, "update": 1.0, "review": 0.5, "skip": 2.0, "none": 1.0},
    "update": {"create": 1.0, "update": 0.0, "review": 0.5, "skip": 2.0, "none": 1.0},
    "review": {"create": 5.0, "update": 5.0, "review": 0.0, "skip": 3.0, "none": 1.0},
    "skip": {"create": 2.0, "update": 2.0, "review": 0.5, "skip": 0.0, "none": 0.5},
}
DEFAULT_MONEY_INTENTS: tuple[Intent, ...] = (
    Intent.REFUND,
    Intent.CANCEL_ORDER,
    Intent.BILLING_PAYMENT,
    Intent.RETURN_OR_EXCHANGE,
    Intent.CHANGE_ORDER,
)


class DecisionCosts(BaseModel):
    """The cost of deciding `pred` when the gold says `gold`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    matrix: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {gold: dict(row) for gold, row in DEFAULT_MATRIX.items()}
    )
    money_intents: tuple[Intent, ...] = DEFAULT_MONEY_INTENTS
    money_factor: float = Field(default=2.0, ge=1.0)

    @model_validator(mode="after")
    def _complete(self) -> DecisionCosts:
        for gold in GOLD_DECISIONS:
            row = self.matrix.get(gold)
            if row is None:
                raise ValueError(f"decision_costs has no row for gold decision {gold!r}")
            missing = [pred for pred in PRED_DECISIONS if pred not in row]
            if missing:
                raise ValueError(f"decision_costs.{gold} has no weight for {missing}")
            negative = [pred for pred, weight in row.items() if weight < 0]
            if negative:
                raise ValueError(f"decision_costs.{gold} has negative weights for {negative}")
        extra = sorted(set(self.matrix) - set(GOLD_DECISIONS))
        if extra:
            raise ValueError(f"decision_costs has unknown gold decisions {extra}")
        return self

    def cost(self, gold: str, pred: str | None, gold_intents: Iterable[str]) -> float:
        """Weight of one decision; wrong automatic actions on money calls multiplied."""
        predicted = pred or "none"
        weight = self.matrix[gold][predicted]
        money = {intent.value for intent in self.money_intents}
        if predicted in AUTOMATIC and predicted != gold and money.intersection(gold_intents):
            weight *= self.money_factor
        return weight

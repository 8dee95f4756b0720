"""Every item that changed between two runs, field by field, with its effect on decision cost.

A field (or the decision) of an item changed when the two runs predicted it
differently: right in A and wrong in B, wrong in A and right in B, or wrong in
both but differently wrong (gold `review`, A `skip`, B `create`). Each change
carries the item's decision cost in both runs, so the rows say what moved the
cost-weighted error: summed over the decision rows, the cost changes add up to
items x (B - A) of the cost-weighted error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.scoring import ItemScore

ChangeKind = Literal["right_to_wrong", "wrong_to_right", "wrong_to_wrong"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("right_to_wrong", "wrong_to_right", "wrong_to_wrong")
CHANGE_TITLES: dict[ChangeKind, str] = {
    "right_to_wrong": "Right in A, wrong in B",
    "wrong_to_right": "Wrong in A, right in B",
    "wrong_to_wrong": "Wrong in A, differently wrong in B",
}
DECISION = "decision"
EMPTY = "—"


class ItemChange(BaseModel):
    """One field (or the decision) of one item that the two runs predicted differently."""

    item_id: str
    field: str
    kind: ChangeKind
    gold: str
    a: str
    b: str
    cost_a: float | None = None
    cost_b: float | None = None

    @property
    def cost_delta(self) -> float | None:
        """The item's decision cost in B minus in A (None without a gold decision)."""
        if self.cost_a is None or self.cost_b is None:
            return None
        return self.cost_b - self.cost_a


class ChangeSummary(BaseModel):
    """How many changes of one kind, on how many items, and their decision-cost effect."""

    kind: ChangeKind
    changes: int
    items: int
    decisions: int
    cost_delta: float


def show(values: Sequence[str] | str | None) -> str:
    """Values as one cell: comma-separated, an em dash when empty."""
    if values is None:
        return EMPTY
    if isinstance(values, str):
        return values
    return ", ".join(values) if values else EMPTY


def _kind(right_a: bool, right_b: bool, same: bool) -> ChangeKind | None:
    if right_a and not right_b:
        return "right_to_wrong"
    if right_b and not right_a:
        return "wrong_to_right"
    if not right_a and not right_b and not same:
        return "wrong_to_wrong"
    return None


def decision_cost(score: ItemScore, costs: DecisionCosts) -> float | None:
    """The cost of this item's decision (None when its gold has no decision)."""
    if score.decision_gold is None:
        return None
    return costs.cost(score.decision_gold, score.decision_pred, score.gold_intents)


def item_changes(a: ItemScore, b: ItemScore, costs: DecisionCosts) -> list[ItemChange]:
    """The changed fields of one item (decision last)."""
    cost = {"cost_a": decision_cost(a, costs), "cost_b": decision_cost(b, costs)}
    changes: list[ItemChange] = []
    for name in FIELD_NAMES:
        out_a, out_b = a.fields[name], b.fields[name]
        kind = _kind(out_a.exact, out_b.exact, out_a.pred == out_b.pred)
        if kind is not None:
            changes.append(
                ItemChange(
                    item_id=a.item_id,
                    field=name,
                    kind=kind,
                    gold=show(out_a.gold),
                    a=show(out_a.pred),
                    b=show(out_b.pred),
                    **cost,
                )
            )
    if a.decision_gold is not None and (a.decision_pred or b.decision_pred):
        kind = _kind(
            a.decision_pred == a.decision_gold,
            b.decision_pred == b.decision_gold,
            a.decision_pred == b.decision_pred,
        )
        if kind is not None:
            changes.append(
                ItemChange(
                    item_id=a.item_id,
                    field=DECISION,
                    kind=kind,
                    gold=a.decision_gold,
                    a=show(a.decision_pred),
                    b=show(b.decision_pred),
                    **cost,
                )
            )
    return changes


def _order(change: ItemChange) -> tuple[bool, float, str, str]:
    delta = change.cost_delta or 0.0
    worst_first = delta if change.kind == "wrong_to_right" else -delta
    return (change.field != DECISION, worst_first, change.item_id, change.field)


def all_changes(
    scores_a: Sequence[ItemScore], scores_b: Sequence[ItemScore], costs: DecisionCosts
) -> list[ItemChange]:
    """Every change over paired item scores: decisions first, the largest cost effect first."""
    changes = [
        change
        for a, b in zip(scores_a, scores_b, strict=True)
        for change in item_changes(a, b, costs)
    ]
    return sorted(changes, key=lambda change: (CHANGE_KINDS.index(change.kind), *_order(change)))


def summarize_changes(changes: Sequence[ItemChange]) -> list[ChangeSummary]:
    """Per kind: changes, items, decision changes and the summed decision-cost effect."""
    out = []
    for kind in CHANGE_KINDS:
        rows = [change for change in changes if change.kind == kind]
        decisions = [change for change in rows if change.field == DECISION]
        out.append(
            ChangeSummary(
                kind=kind,
                changes=len(rows),
                items=len({change.item_id for change in rows}),
                decisions=len(decisions),
                cost_delta=sum(change.cost_delta or 0.0 for change in decisions),
            )
        )
    return out

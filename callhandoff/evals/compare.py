"""Compare two runs: metric deltas and the items that flipped between right and wrong.

Both runs are re-scored from their stored outputs with the same decision-cost
weights and over the items they share, so the comparison is like for like even if
the runs were scored with different thresholds files or dataset versions. Only
repeat 0 of each run is compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.scoring import ItemScore

# Metrics where a smaller number is better; every other metric is better higher.
LOWER_IS_BETTER_PREFIXES: tuple[str, ...] = (
    "decision.cost_error",
    "grounding.",
    "calibration.",
    "tokens.",
    "cost.",
    "latency.",
    "fallback.",
)
HEADLINE_METRICS: tuple[str, ...] = (
    "intent.accuracy",
    "intent.macro_f1",
    "risk_flags.micro_f1",
    "risk_flags.macro_f1",
    "decision.accuracy",
    "decision.cost_error",
    "grounding.violations_per_item",
    "grounding.violation_rate",
    "calibration.ece",
    "tokens.per_item",
    "cost.usd_per_item",
    "latency.p50_ms",
    "latency.p95_ms",
)

Direction = Literal["right_to_wrong", "wrong_to_right"]


def lower_is_better(metric: str) -> bool:
    """True for error-like metrics (cost, latency, violations, calibration error)."""
    return metric.startswith(LOWER_IS_BETTER_PREFIXES) or metric.endswith(".ece")


class MetricDelta(BaseModel):
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        """b - a, None when either side was not measured."""
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def improved(self) -> bool | None:
        """Whether B is better than A on this metric (None when equal or unmeasured)."""
        delta = self.delta
        if delta is None or abs(delta) < 1e-12:
            return None
        return delta < 0 if lower_is_better(self.metric) else delta > 0


class Flip(BaseModel):
    """One field of one item that was right in one run and wrong in the other."""

    item_id: str
    field: str
    direction: Direction
    gold: str
    a: str
    b: str


class Comparison(BaseModel):
    run_a: str
    run_b: str
    same_dataset: bool
    items_compared: int
    deltas: list[MetricDelta] = Field(default_factory=list)
    flips: list[Flip] = Field(default_factory=list)
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)

    def flipped(self, direction: Direction) -> list[Flip]:
        """The flips in one direction, in item order."""
        return [flip for flip in self.flips if flip.direction == direction]


def _show(values: Sequence[str] | str | None) -> str:
    if values is None:
        return "—"
    if isinstance(values, str):
        return values
    return ", ".join(values) if values else "—"


def _field_flips(a: ItemScore, b: ItemScore) -> list[Flip]:
    flips: list[Flip] = []
    for name in FIELD_NAMES:
        out_a, out_b = a.fields[name], b.fields[name]
        if out_a.exact == out_b.exact:
            continue
        flips.append(
            Flip(
                item_id=a.item_id,
                field=name,
                direction="right_to_wrong" if out_a.exact else "wrong_to_right",
                gold=_show(out_a.gold),
                a=_show(out_a.pred),
                b=_show(out_b.pred),
            )
        )
    if a.decision_gold is not None and (a.decision_pred or b.decision_pred):
        right_a = a.decision_pred == a.decision_gold
        right_b = b.decision_pred == b.decision_gold
        if right_a != right_b:
            flips.append(
                Flip(
                    item_id=a.item_id,
                    field="decision",
                    direction="right_to_wrong" if right_a else "wrong_to_right",
                    gold=a.decision_gold,
                    a=_show(a.decision_pred),
                    b=_show(b.decision_pred),
                )
            )
    return flips


def compare_runs(
    run_a: str,
    items_a: Sequence[ItemRun],
    run_b: str,
    items_b: Sequence[ItemRun],
    *,
    costs: DecisionCosts | None = None,
    same_dataset: bool = True,
) -> Comparison:
    """Per-metric deltas (B - A) and every field flip, over the items both runs scored."""
    first_a = [r for r in items_a if r.repeat == 0]
    first_b = [r for r in items_b if r.repeat == 0]
    ids_a = {r.item_id for r in first_a}
    ids_b = {r.item_id for r in first_b}
    common = ids_a & ids_b
    scores_a, metrics_a = score_runs([r for r in first_a if r.item_id in common], costs)
    scores_b, metrics_b = score_runs([r for r in first_b if r.item_id in common], costs)
    flat_a, flat_b = metrics_a.flat(), metrics_b.flat()
    field_metrics = [
        f"field.{name}.{stat}" for name in FIELD_NAMES for stat in ("exact_match", "f1")
    ]
    deltas = [
        MetricDelta(metric=metric, a=flat_a.get(metric), b=flat_b.get(metric))
        for metric in (*HEADLINE_METRICS, *field_metrics)
        if flat_a.get(metric) is not None or flat_b.get(metric) is not None
    ]
    by_id_b = {score.item_id: score for score in scores_b}
    flips = [flip for score in scores_a for flip in _field_flips(score, by_id_b[score.item_id])]
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        same_dataset=same_dataset,
        items_compared=len(common),
        deltas=deltas,
        flips=flips,
        only_in_a=sorted(ids_a - ids_b),
        only_in_b=sorted(ids_b - ids_a),
    )

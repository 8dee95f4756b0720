"""Every metric of a run broken down by a property of its items (`--by origin`).

The hand-written phone calls, the CuCoM chats and the ABCD conversations are
different tasks; one overall figure hides which one a change helped. A
breakdown re-scores the run's items group by group with the same definitions
(`evals.metrics`), so each column reads like a run of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.verdict import HEADLINE_METRICS

GroupBy = Literal["origin"]
GROUP_BY: tuple[str, ...] = ("origin",)
ORIGIN_ORDER: tuple[str, ...] = ("handwritten", "cucom", "abcd")
BREAKDOWN_METRICS: tuple[str, ...] = (
    "items",
    *HEADLINE_METRICS,
    "summary.words_mean",
    "fallback.rate",
    *(f"field.{name}.{stat}" for name in FIELD_NAMES for stat in ("exact_match", "f1")),
)


class Group(BaseModel):
    """One group of items (e.g. origin `cucom`) scored on its own."""

    value: str
    metrics: RunMetrics


class Breakdown(BaseModel):
    """A run's metrics per group, plus the whole run."""

    by: str
    groups: list[Group] = Field(default_factory=list)
    overall: RunMetrics

    def rows(
        self, metrics: Sequence[str] = BREAKDOWN_METRICS
    ) -> list[tuple[str, list[float | None]]]:
        """(metric, [value per group..., overall]) for each metric."""
        flats = [group.metrics.flat() for group in self.groups] + [self.overall.flat()]
        return [(name, [flat.get(name) for flat in flats]) for name in metrics]

    @property
    def columns(self) -> list[str]:
        """Group values, then `all`."""
        return [group.value for group in self.groups] + ["all"]


def _key(run: ItemRun, by: str) -> str:
    if by == "origin":
        return run.item.origin
    raise ValueError(f"cannot break a run down by {by!r} (choose from {', '.join(GROUP_BY)})")


def breakdown(runs: Sequence[ItemRun], by: str, costs: DecisionCosts | None = None) -> Breakdown:
    """Score each group of items (all repeats kept, for agreement and latency) and the whole."""
    groups: dict[str, list[ItemRun]] = {}
    for run in runs:
        groups.setdefault(_key(run, by), []).append(run)
    order = sorted(groups, key=lambda v: (ORIGIN_ORDER.index(v) if v in ORIGIN_ORDER else 99, v))
    return Breakdown(
        by=by,
        groups=[Group(value=value, metrics=score_runs(groups[value], costs)[1]) for value in order],
        overall=score_runs(runs, costs)[1],
    )

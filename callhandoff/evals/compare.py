"""Compare two runs: per-metric tests, a verdict, every changed item and the configuration diff.

Both runs are re-scored from their stored outputs with the same decision-cost
weights and over the items they share, so the comparison is like for like even if
the runs were scored with different thresholds files or dataset versions. Quality
comes from repeat 0 of each run; the other repeats only measure how much latency
varies from run to run. The statistics are in `evals.stats`, the per-item form
of each metric in `evals.paired`, the verdict rule in `evals.verdict`.

Everything here is a plain function returning pydantic models; the CLI and the
HTML report only render them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from callhandoff.evals.changes import (
    ChangeKind,
    ChangeSummary,
    ItemChange,
    all_changes,
    summarize_changes,
)
from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.defaults import DEFAULT_RESAMPLES, DEFAULT_SEED
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.paired import discordant, paired_metrics
from callhandoff.evals.provenance import ConfigRow, RunSource, config_diff
from callhandoff.evals.records import ItemRun
from callhandoff.evals.stats import (
    bootstrap_weights,
    mcnemar_exact,
    paired_bootstrap,
)
from callhandoff.evals.verdict import (
    HEADLINE_METRICS,
    LATENCY_SHARES,
    MetricTest,
    Verdict,
    decide,
    latency_test,
    lower_is_better,
    metric_test,
    repeat_spread,
)

__all__ = ["HEADLINE_METRICS", "Comparison", "compare_runs", "lower_is_better"]

FIELD_METRICS: tuple[str, ...] = tuple(
    f"field.{name}.{stat}" for name in FIELD_NAMES for stat in ("exact_match", "f1")
)


class Comparison(BaseModel):
    """Run B against run A over the items both scored."""

    run_a: str
    run_b: str
    same_dataset: bool
    items_compared: int
    verdict: Verdict
    tests: list[MetricTest] = Field(default_factory=list)
    changes: list[ItemChange] = Field(default_factory=list)
    change_summary: list[ChangeSummary] = Field(default_factory=list)
    config: list[ConfigRow] = Field(default_factory=list)
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED

    def changed(self, kind: ChangeKind) -> list[ItemChange]:
        """The changes of one kind, decisions first, largest cost effect first."""
        return [change for change in self.changes if change.kind == kind]

    def test(self, metric: str) -> MetricTest | None:
        """The test of one metric, if it was compared."""
        return next((t for t in self.tests if t.metric == metric), None)

    @property
    def headline(self) -> list[MetricTest]:
        """The headline metrics' tests, in headline order."""
        return [t for t in self.tests if t.metric in HEADLINE_METRICS]

    @property
    def moved_fields(self) -> list[MetricTest]:
        """Per-field metrics whose value changed."""
        return [
            t
            for t in self.tests
            if t.metric.startswith("field.") and t.outcome not in ("unchanged", "not measured")
        ]


def _first_repeat(items: Sequence[ItemRun], keep: set[str]) -> list[ItemRun]:
    runs = [r for r in items if r.repeat == 0 and r.item_id in keep]
    return sorted(runs, key=lambda r: r.item_id)


def compare_runs(
    run_a: str,
    items_a: Sequence[ItemRun],
    run_b: str,
    items_b: Sequence[ItemRun],
    *,
    costs: DecisionCosts | None = None,
    configs: tuple[RunSource, RunSource] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Comparison:
    """Tests of every headline and per-field metric (B - A), the verdict and the changes."""
    costs = costs or DecisionCosts()
    ids_a = {r.item_id for r in items_a if r.repeat == 0}
    ids_b = {r.item_id for r in items_b if r.repeat == 0}
    common = ids_a & ids_b
    scores_a, metrics_a = score_runs(_first_repeat(items_a, common), costs)
    scores_b, metrics_b = score_runs(_first_repeat(items_b, common), costs)
    flat_a, flat_b = metrics_a.flat(), metrics_b.flat()
    paired = paired_metrics([*scores_a, *scores_b], costs)
    weights = bootstrap_weights(len(common), resamples, seed) if common else None
    tests: list[MetricTest] = []
    for name in (*HEADLINE_METRICS, *FIELD_METRICS):
        a, b = flat_a.get(name), flat_b.get(name)
        if name in LATENCY_SHARES:
            share = LATENCY_SHARES[name]
            spreads = [s for s in (repeat_spread(items_a, share), repeat_spread(items_b, share))
                       if s is not None]  # fmt: skip
            tests.append(latency_test(name, a, b, max(spreads) if spreads else None))
            continue
        metric = paired.get(name)
        if metric is None or weights is None or a is None or b is None:
            tests.append(metric_test(name, a, b))
            continue
        interval = paired_bootstrap(
            metric.matrix(scores_a), metric.matrix(scores_b), metric.reduce, weights
        )
        counts = discordant(metric, scores_a, scores_b)
        p_value = mcnemar_exact(*counts) if counts is not None else None
        tests.append(metric_test(name, a, b, interval=interval, discordant=counts, p_value=p_value))
    changes = all_changes(scores_a, scores_b, costs)
    return Comparison(
        run_a=run_a,
        run_b=run_b,
        same_dataset=configs is None or configs[0].dataset_version == configs[1].dataset_version,
        items_compared=len(common),
        verdict=decide(tests),
        tests=tests,
        changes=changes,
        change_summary=summarize_changes(changes),
        config=config_diff(*configs) if configs is not None else [],
        only_in_a=sorted(ids_a - ids_b),
        only_in_b=sorted(ids_b - ids_a),
        resamples=resamples,
        seed=seed,
    )

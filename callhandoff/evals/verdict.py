"""Is run B better than run A? Per-metric tests and the one-line verdict of a comparison.

Per metric: an accuracy-type metric (share of items right) moved when the exact
McNemar test gives p < 0.05; any other quality or usage metric moved when the 95 %
paired-bootstrap interval of B - A excludes 0. Latency moved only when the
change is larger than the run-to-run variation measured with `--repeat` (the
spread of the figure between repeats, in either run); without repeats a latency
change is noise by definition, since two runs of the same code differ too.

The verdict is led by the cost-weighted decision error: when it moved, it decides
(higher cost = worse). Otherwise the other quality metrics decide: worse when any
moved the wrong way, better when some moved the right way and none the wrong
way, else "within noise". Usage (tokens, cost, latency) is reported, never decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from callhandoff.evals.metrics import percentile
from callhandoff.evals.records import ItemRun

ALPHA = 0.05
MAX_LISTED = 3  # quality metrics named in the verdict line besides the deciding one
LEAD_METRIC = "decision.cost_error"
QUALITY_METRICS: tuple[str, ...] = (
    "decision.cost_error",
    "decision.accuracy",
    "intent.accuracy",
    "intent.macro_f1",
    "risk_flags.micro_f1",
    "risk_flags.macro_f1",
    "grounding.violations_per_item",
    "grounding.violation_rate",
    "calibration.ece",
    "summary.facts_recall",
    "summary.invented_per_item",
)
LATENCY_SHARES: dict[str, float] = {"latency.p50_ms": 0.5, "latency.p95_ms": 0.95}
USAGE_METRICS: tuple[str, ...] = ("tokens.per_item", "cost.usd_per_item", *LATENCY_SHARES)
HEADLINE_METRICS: tuple[str, ...] = (*QUALITY_METRICS, *USAGE_METRICS)
# Metrics where a smaller number is better; every other metric is better higher.
LOWER_IS_BETTER_PREFIXES: tuple[str, ...] = (
    "decision.cost_error",
    "grounding.",
    "calibration.",
    "tokens.",
    "cost.",
    "latency.",
    "fallback.",
    "summary.invented",
    "summary.over_length",
)

Outcome = Literal["better", "worse", "noise", "unchanged", "not measured"]
VerdictOutcome = Literal["better", "worse", "within noise"]


class MetricTest(BaseModel):
    """One metric of two runs: the values, the delta's uncertainty and what it means."""

    metric: str
    a: float | None
    b: float | None
    low: float | None = Field(default=None, description="95 % interval of B - A, lower end.")
    high: float | None = None
    p_value: float | None = Field(default=None, description="Exact McNemar p (accuracy-type).")
    right_to_wrong: int | None = None
    wrong_to_right: int | None = None
    noise_band: float | None = Field(default=None, description="Latency: spread over repeats.")
    outcome: Outcome
    basis: str = Field(description="Why the outcome: the test or the variation it used.")

    @property
    def delta(self) -> float | None:
        """B - A, None when either run did not measure the metric."""
        return None if self.a is None or self.b is None else self.b - self.a


class Verdict(BaseModel):
    """better / worse / within noise, the metric that decided and what points the other way."""

    outcome: VerdictOutcome
    decided_by: str | None = None
    moved: list[str] = Field(default_factory=list, description="Quality metrics that moved.")
    against: list[str] = Field(
        default_factory=list, description="Quality metrics that point the other way."
    )
    line: str


def lower_is_better(metric: str) -> bool:
    """True for error-like metrics (cost, latency, violations, calibration error)."""
    return metric.startswith(LOWER_IS_BETTER_PREFIXES) or metric.endswith(".ece")


def _direction(delta: float, lower: bool) -> Outcome:
    return "better" if (delta < 0) == lower else "worse"


def metric_test(
    metric: str,
    a: float | None,
    b: float | None,
    *,
    interval: tuple[float, float] | None = None,
    discordant: tuple[int, int] | None = None,
    p_value: float | None = None,
) -> MetricTest:
    """The test of one non-latency metric from its interval (and McNemar counts)."""
    base = MetricTest(metric=metric, a=a, b=b, outcome="not measured", basis="not measured")
    if a is None or b is None:
        return base
    delta = b - a
    low, high = interval if interval is not None else (None, None)
    update: dict[str, object] = {"low": low, "high": high, "p_value": p_value}
    if discordant is not None:
        update["right_to_wrong"], update["wrong_to_right"] = discordant
    if p_value is not None:
        moved = p_value < ALPHA
        update["basis"] = f"McNemar p = {p_value:.3f}"
    else:
        moved = low is not None and high is not None and (low > 0 or high < 0)
        update["basis"] = "95% CI excludes 0" if moved else "95% CI includes 0"
    if abs(delta) < 1e-12 and not moved:
        update["outcome"] = "unchanged"
    else:
        update["outcome"] = _direction(delta, lower_is_better(metric)) if moved else "noise"
    return base.model_copy(update=update)


def repeat_spread(items: Sequence[ItemRun], share: float) -> float | None:
    """Largest minus smallest latency percentile over a run's repeats; None with one repeat."""
    by_repeat: dict[int, list[float]] = {}
    for run in items:
        by_repeat.setdefault(run.repeat, []).append(run.latency_ms)
    if len(by_repeat) < 2:
        return None
    values = [percentile(latencies, share) or 0.0 for latencies in by_repeat.values()]
    return max(values) - min(values)


def latency_test(metric: str, a: float | None, b: float | None, band: float | None) -> MetricTest:
    """A latency change is noise unless it exceeds the variation between repeats."""
    base = MetricTest(metric=metric, a=a, b=b, noise_band=band, outcome="not measured",
                      basis="not measured")  # fmt: skip
    if a is None or b is None:
        return base
    delta = b - a
    if abs(delta) < 1e-12:
        return base.model_copy(update={"outcome": "unchanged", "basis": "same latency"})
    if band is None:
        return base.model_copy(
            update={"outcome": "noise", "basis": "no --repeat: run-to-run variation unknown"}
        )
    moved = abs(delta) > band
    return base.model_copy(
        update={
            "outcome": _direction(delta, True) if moved else "noise",
            "basis": f"repeats vary by {band:.1f} ms",
        }
    )


def describe(test: MetricTest) -> str:
    """`decision.cost_error 0.268 -> 0.322 (+0.054 worse, 95% CI +0.010 to +0.105)`."""
    delta = test.delta
    if delta is None or test.a is None or test.b is None:
        return f"{test.metric} not measured in both runs"
    way = _direction(delta, lower_is_better(test.metric)) if abs(delta) > 1e-12 else "same"
    parts = [f"{delta:+.3f} {way}"]
    if test.low is not None and test.high is not None:
        parts.append(f"95% CI {test.low:+.3f} to {test.high:+.3f}")
    if test.p_value is not None:
        parts.append(f"McNemar p = {test.p_value:.3f}")
    if test.outcome == "noise":
        parts.append("within noise")
    return f"{test.metric} {test.a:.3f} -> {test.b:.3f} ({', '.join(parts)})"


def _listed(tests: Sequence[MetricTest]) -> str:
    """The first MAX_LISTED tests described, and how many more there are."""
    shown = "; ".join(describe(t) for t in tests[:MAX_LISTED])
    more = len(tests) - MAX_LISTED
    return shown + (f"; and {more} more (see the table)" if more > 0 else "")


def decide(tests: Sequence[MetricTest]) -> Verdict:
    """The verdict on B against A (module docstring: the rule)."""
    by_name = {test.metric: test for test in tests}
    quality = [by_name[name] for name in QUALITY_METRICS if name in by_name]
    moved = [t for t in quality if t.outcome in ("better", "worse")]
    lead = by_name.get(LEAD_METRIC)
    outcome: VerdictOutcome
    decider: MetricTest | None
    if lead is not None and lead.outcome in ("better", "worse"):
        outcome, decider = lead.outcome, lead
    elif any(t.outcome == "worse" for t in moved):
        outcome = "worse"
        decider = next(t for t in moved if t.outcome == "worse")
    elif moved:
        outcome, decider = "better", moved[0]
    else:
        outcome, decider = "within noise", lead
    changed = [t for t in quality if t.delta is not None and abs(t.delta) > 1e-12]
    against: list[MetricTest] = []
    if outcome != "within noise":
        opposite = "worse" if outcome == "better" else "better"
        against = [
            t
            for t in changed
            if t is not decider
            and _direction(t.delta or 0.0, lower_is_better(t.metric)) == opposite
        ]
    head = {"better": "BETTER", "worse": "WORSE", "within noise": "WITHIN NOISE"}[outcome]
    line = f"Verdict: {head}"
    if decider is not None and decider.outcome == "not measured":
        line += f" - {decider.metric} not measured (no decisions: run without routing)"
    elif decider is not None:
        line += f" - {describe(decider)}"
    if outcome == "within noise":
        others = [t for t in changed if t is not decider]
        if others:
            line += "; " + _listed(others)
        line += "; no quality metric moved beyond noise"
    elif against:
        line += "; against it: " + _listed(against)
    return Verdict(
        outcome=outcome,
        decided_by=decider.metric if decider is not None and outcome != "within noise" else None,
        moved=[t.metric for t in moved],
        against=[t.metric for t in against],
        line=line,
    )

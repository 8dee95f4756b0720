"""The CI gate: a run passes when every gated metric is within its threshold.

A metric the run did not measure (None, e.g. decision accuracy without a router)
fails its check: a gate that silently skips a metric would let a regression in.

Against a baseline run (`--baseline RUN --max-drop 0.01`), every quality metric of
the thresholds file is also checked relative to the baseline's figure on the
items both runs scored: a `min:` metric may fall at most `max_drop` below it, a
`max:` metric may rise at most `max_drop` above it. Latency, tokens and cost are
gated on their absolute bounds only (they vary from run to run on the same code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.thresholds import Thresholds

ABSOLUTE_ONLY_PREFIXES: tuple[str, ...] = ("latency.", "tokens.", "cost.")

# Metrics are ratios of small counts: 7/10 must pass a 0.7 bound despite rounding.
_TOLERANCE = 1e-9


class Check(BaseModel):
    """One metric against one bound."""

    metric: str
    bound: Literal["min", "max"]
    threshold: float
    value: float | None
    passed: bool
    baseline: float | None = None
    max_drop: float | None = None

    @property
    def relative(self) -> bool:
        """True for a check against a baseline run."""
        return self.max_drop is not None

    def describe(self) -> str:
        """`intent.accuracy = 0.612 (needs >= 0.7) FAIL`, the line a failing CI job prints."""
        op = ">=" if self.bound == "min" else "<="
        verdict = "ok" if self.passed else "FAIL"
        if self.relative:
            sign = "-" if self.bound == "min" else "+"
            if self.baseline is None or self.value is None:
                return f"{self.metric} was not measured in both this run and the baseline FAIL"
            return (
                f"{self.metric} = {self.value:.4g} (needs {op} {self.threshold:.4g} = baseline "
                f"{self.baseline:.4g} {sign} {self.max_drop:g}) {verdict}"
            )
        if self.value is None:
            return f"{self.metric} was not measured in this run ({self.bound} {self.threshold:g})"
        return f"{self.metric} = {self.value:.4g} (needs {op} {self.threshold:g}) {verdict}"


class GateResult(BaseModel):
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """True when every check passed (and there was at least one)."""
        return bool(self.checks) and all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        """The checks that failed, in file order."""
        return [check for check in self.checks if not check.passed]


def evaluate_gate(metrics: Mapping[str, float | None], thresholds: Thresholds) -> GateResult:
    """Check every min / max bound of `thresholds` against the flat metrics of a run."""
    checks: list[Check] = []
    for metric, threshold in thresholds.minimum.items():
        value = metrics.get(metric)
        checks.append(
            Check(
                metric=metric,
                bound="min",
                threshold=threshold,
                value=value,
                passed=value is not None and value >= threshold - _TOLERANCE,
            )
        )
    for metric, threshold in thresholds.maximum.items():
        value = metrics.get(metric)
        checks.append(
            Check(
                metric=metric,
                bound="max",
                threshold=threshold,
                value=value,
                passed=value is not None and value <= threshold + _TOLERANCE,
            )
        )
    return GateResult(checks=checks)


def evaluate_baseline(
    metrics: Mapping[str, float | None],
    baseline: Mapping[str, float | None],
    thresholds: Thresholds,
    max_drop: float,
) -> list[Check]:
    """Each quality metric of the thresholds file against the baseline's figure +- max_drop."""
    checks: list[Check] = []
    bounds = [(m, "min") for m in thresholds.minimum] + [(m, "max") for m in thresholds.maximum]
    for metric, bound in bounds:
        if metric.startswith(ABSOLUTE_ONLY_PREFIXES):
            continue
        value, base = metrics.get(metric), baseline.get(metric)
        limit = 0.0 if base is None else (base - max_drop if bound == "min" else base + max_drop)
        within = (
            value is not None
            and base is not None
            and (value >= limit - _TOLERANCE if bound == "min" else value <= limit + _TOLERANCE)
        )
        checks.append(
            Check(
                metric=metric,
                bound=bound,
                threshold=limit,
                value=value,
                passed=within,
                baseline=base,
                max_drop=max_drop,
            )
        )
    return checks


def gate_run(
    items: Sequence[ItemRun],
    thresholds: Thresholds,
    *,
    baseline_items: Sequence[ItemRun] | None = None,
    max_drop: float = 0.0,
) -> GateResult:
    """Absolute checks on the whole run; with a baseline, relative checks on shared items."""
    _, metrics = score_runs(items, thresholds.costs)
    result = evaluate_gate(metrics.flat(), thresholds)
    if baseline_items is None:
        return result
    shared = {r.item_id for r in items} & {r.item_id for r in baseline_items}
    _, ours = score_runs([r for r in items if r.item_id in shared], thresholds.costs)
    _, theirs = score_runs([r for r in baseline_items if r.item_id in shared], thresholds.costs)
    relative = evaluate_baseline(ours.flat(), theirs.flat(), thresholds, max_drop)
    return GateResult(checks=[*result.checks, *relative])

"""The CI gate: a run passes when every gated metric is within its threshold.

A metric the run did not measure (None, e.g. decision accuracy without a router)
fails its check: a gate that silently skips a metric would let a regression in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from callhandoff.evals.thresholds import Thresholds

# Metrics are ratios of small counts: 7/10 must pass a 0.7 bound despite rounding.
_TOLERANCE = 1e-9


class Check(BaseModel):
    """One metric against one bound."""

    metric: str
    bound: Literal["min", "max"]
    threshold: float
    value: float | None
    passed: bool

    def describe(self) -> str:
        """`intent.accuracy = 0.612 < min 0.700`, the line a failing CI job prints."""
        if self.value is None:
            return f"{self.metric} was not measured in this run ({self.bound} {self.threshold:g})"
        op = ">=" if self.bound == "min" else "<="
        verdict = "ok" if self.passed else "FAIL"
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

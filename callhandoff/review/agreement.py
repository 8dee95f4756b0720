"""How often reviewers change each field, by the extraction's confidence.

From the per-field checks every approval records: for each field, the share of
extracted values reviewers corrected in each confidence bin (a reliability
curve from real corrections), the values reviewers added where the extraction
had none, and the lowest confidence threshold above which the correction rate
falls under the target (5 % by default) with enough reviewed values to trust it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from callhandoff.review.fields import BY_NAME, CHANGES
from callhandoff.store import review_log
from callhandoff.store.review_log import BUCKETS, BucketCount

#: Bins of the reliability curve (each spans this many store buckets).
CURVE_BINS = 10


@dataclass(frozen=True)
class CurveBin:
    """Reviewed values with a confidence in [low, high), and how many were corrected."""

    low: float
    high: float
    values: int
    changed: int

    @property
    def rate(self) -> float | None:
        """Share corrected (None when the bin is empty)."""
        return self.changed / self.values if self.values else None


@dataclass(frozen=True)
class FieldAgreement:
    """One field's record across every approval."""

    field: str
    label: str
    values: int
    changed: int
    added: int
    curve: tuple[CurveBin, ...] = ()
    threshold: float | None = None
    threshold_values: int = 0
    threshold_rate: float | None = None

    @property
    def rate(self) -> float | None:
        """Share of extracted values reviewers corrected."""
        return self.changed / self.values if self.values else None


def _threshold(
    buckets: dict[int, tuple[int, int]], target: float, min_values: int
) -> tuple[float | None, int, float | None]:
    """The lowest bucket edge above which the correction rate is under `target`."""
    for start in range(BUCKETS):
        values = sum(n for b, (n, _) in buckets.items() if b >= start)
        changed = sum(c for b, (_, c) in buckets.items() if b >= start)
        if values < min_values:
            return None, 0, None
        if changed / values < target:
            return start / BUCKETS, values, changed / values
    return None, 0, None


def summarise(
    counts: list[BucketCount], *, target: float = 0.05, min_values: int = 20
) -> list[FieldAgreement]:
    """Per-field agreement from the bucketed field checks."""
    by_field: dict[str, dict[int | None, tuple[int, int]]] = defaultdict(dict)
    for row in counts:
        by_field[row.field][row.bucket] = (row.values, row.changed)
    result: list[FieldAgreement] = []
    span = BUCKETS // CURVE_BINS
    for name, buckets in by_field.items():
        scored = {b: pair for b, pair in buckets.items() if b is not None}
        curve = tuple(
            CurveBin(
                low=i / CURVE_BINS,
                high=(i + 1) / CURVE_BINS,
                values=sum(n for b, (n, _) in scored.items() if b // span == i),
                changed=sum(c for b, (_, c) in scored.items() if b // span == i),
            )
            for i in range(CURVE_BINS)
        )
        threshold, support, rate = _threshold(scored, target, min_values)
        definition = BY_NAME.get(name)
        result.append(
            FieldAgreement(
                field=name,
                label=definition.label
                if definition
                else "Field changes"
                if name == CHANGES
                else name,
                values=sum(n for n, _ in scored.values()),
                changed=sum(c for _, c in scored.values()),
                added=buckets.get(None, (0, 0))[1],
                curve=curve,
                threshold=threshold,
                threshold_values=support,
                threshold_rate=rate,
            )
        )
    return sorted(result, key=lambda row: (-(row.rate or 0.0), row.field))


def agreement(
    engine: Engine, *, target: float = 0.05, min_values: int = 20
) -> list[FieldAgreement]:
    """Per-field agreement over every approval in the store."""
    return summarise(review_log.field_buckets(engine), target=target, min_values=min_values)

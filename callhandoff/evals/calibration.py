"""Confidence calibration: does a value given confidence 0.8 turn out right 80% of the time?

Expected calibration error (ECE) over (confidence, correct) pairs with equal-width
bins: ECE = sum over bins of (n_bin / N) * |accuracy_bin - mean_confidence_bin|.
0 is perfectly calibrated; 0.3 means confidence is off by 30 points on average.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

DEFAULT_BINS = 10


class CalibrationBin(BaseModel):
    """One confidence bin of a reliability diagram: [lower, upper)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


def reliability_bins(
    pairs: Iterable[tuple[float, bool]], bins: int = DEFAULT_BINS
) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]; confidence 1.0 falls in the last bin."""
    counts = [0] * bins
    confidence_sums = [0.0] * bins
    correct_sums = [0] * bins
    for confidence, correct in pairs:
        index = min(int(confidence * bins), bins - 1)
        counts[index] += 1
        confidence_sums[index] += confidence
        correct_sums[index] += int(correct)
    return [
        CalibrationBin(
            lower=i / bins,
            upper=(i + 1) / bins,
            count=counts[i],
            mean_confidence=confidence_sums[i] / counts[i] if counts[i] else None,
            accuracy=correct_sums[i] / counts[i] if counts[i] else None,
        )
        for i in range(bins)
    ]


def expected_calibration_error(
    pairs: Iterable[tuple[float, bool]], bins: int = DEFAULT_BINS
) -> float | None:
    """ECE of the pairs, or None when there are none (nothing was predicted)."""
    table = reliability_bins(pairs, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return None
    error = 0.0
    for b in table:
        if b.count and b.accuracy is not None and b.mean_confidence is not None:
            error += b.count / total * abs(b.accuracy - b.mean_confidence)
    return error

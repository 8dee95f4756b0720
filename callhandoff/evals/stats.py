"""The statistics behind a comparison: exact McNemar test and paired bootstrap intervals.

- **Exact McNemar test** (two runs scored right/wrong on the same items): only the
  discordant items count, `b` right in A and wrong in B, `c` wrong in A and right
  in B. Under "no difference" each discordant item is a fair coin, so the two-sided
  p-value is the binomial tail `min(1, 2 * P[X <= min(b, c)])` with
  `X ~ Binomial(b + c, 1/2)`, computed exactly with integers. No discordant item
  gives p = 1.
- **Paired bootstrap** (any metric): resample the items with replacement, the
  same items for both runs, recompute both metrics and keep B - A; the 2.5th and
  97.5th percentiles of those deltas are the 95 % interval. Every metric here is a
  function of per-item sums, so a resample is a vector of item weights (how often
  each item was drawn) and the sums are one matrix product. The generator is
  seeded, so the same runs always give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import comb

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Reducer = Callable[[FloatArray], FloatArray]

LEVEL = 0.95


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts b and c."""
    if b < 0 or c < 0:
        raise ValueError("discordant counts cannot be negative")
    n = b + c
    if n == 0:
        return 1.0
    tail = Fraction(sum(comb(n, k) for k in range(min(b, c) + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def bootstrap_weights(items: int, resamples: int, seed: int) -> FloatArray:
    """`resamples` x `items` matrix: how often each item is drawn in each resample."""
    if items < 1:
        raise ValueError("a bootstrap needs at least one item")
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, items, size=(resamples, items))
    weights = np.zeros((resamples, items), dtype=np.float64)
    np.add.at(weights, (np.arange(resamples)[:, None], drawn), 1.0)
    return weights


def percentile_interval(samples: FloatArray, level: float = LEVEL) -> tuple[float, float] | None:
    """The central `level` interval of the finite samples, None when there are none."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return None
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def paired_bootstrap(
    columns_a: FloatArray,
    columns_b: FloatArray,
    reduce: Reducer,
    weights: FloatArray,
    level: float = LEVEL,
) -> tuple[float, float] | None:
    """95 % interval of reduce(B) - reduce(A) over item resamples given as `weights`.

    `columns_a` and `columns_b` are items x statistics (the same items, in the same
    order); `reduce` turns resamples x statistics sums into one metric value per
    resample (NaN where the metric is undefined, e.g. F1 with nothing to count).
    """
    if columns_a.shape != columns_b.shape or columns_a.shape[0] != weights.shape[1]:
        raise ValueError("both runs need the same items, in the same order, as the weights")
    with np.errstate(divide="ignore", invalid="ignore"):
        deltas = reduce(weights @ columns_b) - reduce(weights @ columns_a)
    return percentile_interval(deltas, level)


def point_value(columns: FloatArray, reduce: Reducer) -> float | None:
    """The metric over all items once (every weight 1), None when undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(reduce(columns.sum(axis=0, keepdims=True))[0])
    return value if np.isfinite(value) else None

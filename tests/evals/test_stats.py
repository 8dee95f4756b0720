"""The statistics of a comparison against values worked out by hand and by an independent oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from callhandoff.evals.stats import (
    bootstrap_weights,
    mcnemar_exact,
    paired_bootstrap,
    percentile_interval,
    point_value,
)


def _mean(sums: np.ndarray) -> np.ndarray:
    return sums[:, 1] / sums[:, 0]


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (0, 0, 1.0),  # nothing discordant: no evidence either way
        (1, 7, 2 * (1 + 8) / 256),  # 2 * P[X <= 1], X ~ Bin(8, 1/2) = 0.0703125
        (7, 1, 2 * (1 + 8) / 256),  # symmetric
        (0, 6, 2 / 64),  # 2 * (1/2)^6 = 0.03125
        (0, 5, 2 / 32),  # 0.0625: five flips one way is not yet significant
        (5, 5, 1.0),  # balanced: capped at 1
        (3, 10, 2 * (1 + 13 + 78 + 286) / 8192),  # 0.09228515625
    ],
)
def test_exact_mcnemar_matches_hand_computed_binomial_tails(
    b: int, c: int, expected: float
) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(("b", "c"), [(2, 9), (12, 25), (40, 61), (0, 17), (150, 120)])
def test_exact_mcnemar_agrees_with_scipys_binomial_test(b: int, c: int) -> None:
    expected = scipy_stats.binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


def test_bootstrap_weights_draw_every_resample_from_all_items() -> None:
    weights = bootstrap_weights(items=50, resamples=300, seed=1)
    assert weights.shape == (300, 50)
    assert np.all(weights.sum(axis=1) == 50)
    assert np.array_equal(weights, bootstrap_weights(items=50, resamples=300, seed=1))
    assert not np.array_equal(weights, bootstrap_weights(items=50, resamples=300, seed=2))


def test_a_constant_paired_difference_has_a_zero_width_interval() -> None:
    a = np.column_stack([np.ones(30), np.zeros(30)])
    b = np.column_stack([np.ones(30), np.full(30, 0.25)])
    interval = paired_bootstrap(a, b, _mean, bootstrap_weights(30, 500, seed=3))
    assert interval == pytest.approx((0.25, 0.25))


def test_the_paired_interval_of_a_mean_matches_the_normal_approximation() -> None:
    # 400 paired differences with mean 0.3 and sd 1: the 95% interval is about
    # 0.3 +- 1.96 / sqrt(400) = [0.202, 0.398] (the sample's own mean and sd below).
    rng = np.random.default_rng(11)
    diff = rng.normal(0.3, 1.0, 400)
    a = np.column_stack([np.ones(400), np.zeros(400)])
    b = np.column_stack([np.ones(400), diff])
    low, high = paired_bootstrap(a, b, _mean, bootstrap_weights(400, 4000, seed=5)) or (0, 0)
    half = 1.959964 * diff.std(ddof=1) / math.sqrt(400)
    assert low == pytest.approx(diff.mean() - half, abs=0.01)
    assert high == pytest.approx(diff.mean() + half, abs=0.01)


def test_the_paired_interval_agrees_with_scipys_percentile_bootstrap() -> None:
    rng = np.random.default_rng(7)
    right_a = rng.random(157) < 0.85
    right_b = rng.random(157) < 0.88
    a = np.column_stack([np.ones(157), right_a])
    b = np.column_stack([np.ones(157), right_b])
    ours = paired_bootstrap(a, b, _mean, bootstrap_weights(157, 8000, seed=9))
    theirs = scipy_stats.bootstrap(
        (right_a.astype(float), right_b.astype(float)),
        lambda x, y, axis=-1: np.mean(y, axis=axis) - np.mean(x, axis=axis),
        paired=True,
        n_resamples=8000,
        method="percentile",
        rng=np.random.default_rng(13),
    ).confidence_interval
    assert ours is not None
    assert ours[0] == pytest.approx(theirs.low, abs=0.01)
    assert ours[1] == pytest.approx(theirs.high, abs=0.01)


def test_undefined_resamples_are_left_out_and_an_all_undefined_metric_has_no_interval() -> None:
    assert percentile_interval(np.array([np.nan, 1.0, 3.0, np.inf])) == pytest.approx((1.05, 2.95))
    assert percentile_interval(np.array([np.nan, np.nan])) is None


def test_point_value_is_the_metric_over_all_items_once() -> None:
    columns = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    assert point_value(columns, _mean) == pytest.approx(0.75)
    assert point_value(np.zeros((3, 2)), _mean) is None

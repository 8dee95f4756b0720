"""ECE on hand-computed examples."""

from __future__ import annotations

import pytest

from callhandoff.evals.calibration import expected_calibration_error, reliability_bins


def test_ece_weights_each_bins_gap_by_its_share_of_values() -> None:
    # bin 0.9-1.0: confidence 0.95, accuracy 1/2 -> gap 0.45, weight 2/4
    # bin 0.1-0.2: confidence 0.15, accuracy 0/2 -> gap 0.15, weight 2/4
    pairs = [(0.95, True), (0.95, False), (0.15, False), (0.15, False)]
    assert expected_calibration_error(pairs) == pytest.approx(0.225 + 0.075)


def test_perfectly_calibrated_values_score_zero() -> None:
    pairs = [(0.75, True), (0.75, True), (0.75, True), (0.75, False)]
    assert expected_calibration_error(pairs) == pytest.approx(0.0)


def test_confidence_one_falls_in_the_last_bin() -> None:
    bins = reliability_bins([(1.0, True), (0.0, False)])
    assert [b.count for b in bins] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bins[9].accuracy == 1.0


def test_nothing_predicted_means_no_ece() -> None:
    assert expected_calibration_error([]) is None

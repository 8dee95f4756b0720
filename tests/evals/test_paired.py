"""Each metric's per-item form gives exactly the figure the run reports, so the intervals are
intervals of the metrics the prompt engineer reads."""

from __future__ import annotations

import numpy as np
import pytest

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.paired import discordant, paired_metrics
from callhandoff.evals.records import ItemRun
from callhandoff.evals.stats import point_value

from .test_compare import run_a, run_b
from .test_metrics import five_calls

COSTS = DecisionCosts(money_factor=3.0)


@pytest.mark.parametrize("runs", [five_calls, run_a, run_b], ids=["five", "a", "b"])
def test_every_paired_metric_reproduces_the_reported_figure(runs: object) -> None:
    items: list[ItemRun] = runs()  # type: ignore[operator]
    scores, metrics = score_runs(items, COSTS)
    reported = metrics.flat()
    for name, metric in paired_metrics(scores, COSTS).items():
        value = point_value(metric.matrix(scores), metric.reduce)
        if reported[name] is None:
            assert value is None or name.startswith("decision."), name
        else:
            assert value == pytest.approx(reported[name]), name


def test_a_resample_recomputes_the_metric_on_the_drawn_items() -> None:
    scores, _ = score_runs(five_calls(), COSTS)
    metric = paired_metrics(scores, COSTS)["decision.cost_error"]
    # draw item i1 (review->review, 0) twice and i2 (review->create on a refund: 5 x 3) once
    weights = np.array([[2.0, 1.0, 0.0, 0.0, 0.0]])
    value = metric.reduce(weights @ metric.matrix(scores))
    assert value[0] == pytest.approx(15.0 / 3)


def test_discordant_counts_only_items_right_in_exactly_one_run() -> None:
    scores_a, _ = score_runs(run_a())
    scores_b, _ = score_runs([r for r in run_b() if r.item_id != "x4"])
    metric = paired_metrics([*scores_a, *scores_b], DecisionCosts())["intent.accuracy"]
    assert discordant(metric, scores_a, scores_b) == (1, 1)
    assert discordant(paired_metrics(scores_a, DecisionCosts())["intent.macro_f1"],
                      scores_a, scores_b) is None  # fmt: skip

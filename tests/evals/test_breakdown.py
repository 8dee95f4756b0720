"""`--by origin`: every metric scored per origin, as if each origin were its own run."""

from __future__ import annotations

import pytest

from callhandoff.evals.breakdown import breakdown
from callhandoff.evals.metrics import score_runs
from callhandoff.schema import DecisionKind, Intent

from .fakes import gold_item, handoff, item_run

HW = [gold_item(f"hw-{n}", intent=Intent.REFUND, decision=DecisionKind.REVIEW) for n in range(4)]
CU = [gold_item(f"cu-{n}", intent=Intent.REFUND).model_copy(update={"origin": "cucom"})
      for n in range(2)]  # fmt: skip


def runs() -> list:  # type: ignore[type-arg]
    right = [item_run(i, handoff(i.transcript.call_id, intent=Intent.REFUND),
                      decision=DecisionKind.REVIEW) for i in HW[:3]]  # fmt: skip
    wrong = [item_run(HW[3], handoff("x", intent=Intent.CANCEL_ORDER), decision=DecisionKind.SKIP)]
    cucom = [item_run(i, handoff(i.transcript.call_id, intent=Intent.CANCEL_ORDER)) for i in CU]
    return cucom + right + wrong


def test_each_origin_is_scored_on_its_own_items_and_the_whole_run_last() -> None:
    result = breakdown(runs(), "origin")
    assert result.columns == ["handwritten", "cucom", "all"]
    rows = dict(result.rows())
    assert rows["items"] == [4.0, 2.0, 6.0]
    assert rows["intent.accuracy"] == pytest.approx([0.75, 0.0, 0.5])
    assert rows["decision.accuracy"][0] == pytest.approx(0.75)
    assert rows["decision.accuracy"][1] is None  # CuCoM items have no gold decision here
    assert result.overall == score_runs(runs())[1]


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot break a run down by 'intent'"):
        breakdown(runs(), "intent")

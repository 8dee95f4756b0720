"""Summaries scored: the gold's facts named, the length, and values the call never had."""

from __future__ import annotations

import datetime as dt

from callhandoff.evals.summaries import invented_values, required_facts, score_summary
from callhandoff.schema import Intent
from callhandoff.schema.handoff import Deadline, ExceptionDetails

from .fakes import ex, gold_item, handoff

ITEM = gold_item(
    "s1",
    text="Order H H one zero zero two three four, the lamp is broken. I paid $49.99, "
    "I need the refund by Friday.",
    order_id="HH-100234",
    deadline_text="by Friday",
    deadline_date=dt.date(2025, 3, 14),
)


def facts(summary: str) -> dict[str, bool]:
    return {fact.kind: fact.present for fact in required_facts(ITEM.gold, summary)}


def test_a_summary_naming_id_intent_and_deadline_has_every_fact() -> None:
    assert facts("Caller wants a refund for order hh 100234 by Friday.") == {
        "id": True, "intent": True, "deadline": True,
    }  # fmt: skip
    assert facts("Refund asked on HH-100234, due 2025-03-14.")["deadline"]
    assert facts("Money back for HH100234 before 14 March.")["deadline"]


def test_a_summary_missing_the_id_or_naming_another_request_misses_those_facts() -> None:
    assert facts("Caller wants to cancel an order by Friday.") == {
        "id": False, "intent": False, "deadline": True,
    }  # fmt: skip


def test_intent_other_needs_no_intent_fact() -> None:
    other = gold_item("s2", intent=Intent.OTHER)
    assert required_facts(other.gold, "Wrong number.") == []


def test_values_said_in_the_call_or_spoken_are_not_invented() -> None:
    output = handoff("call-s1", intent=Intent.REFUND)
    text = "Refund of $49.99 for HH-100234 (said as H H one zero zero two three four)."
    assert invented_values(text, output, ITEM.transcript) == []


def test_an_id_or_amount_the_call_never_had_is_invented() -> None:
    output = handoff("call-s1", intent=Intent.REFUND)
    text = "Refund of $59.99 for HH-100243, call back on +1 415 555 0199."
    assert invented_values(text, output, ITEM.transcript) == [
        "$59.99", "HH-100243", "+1 415 555 0199",
    ]  # fmt: skip


def test_the_grounded_deadline_date_may_be_written_out() -> None:
    deadline = Deadline(text="by Friday", date=dt.date(2025, 3, 14))
    output = handoff("call-s1", intent=Intent.REFUND).model_copy(
        update={"exception": ExceptionDetails(deadline=ex(deadline, "by Friday"))}
    )
    score = score_summary(
        output.model_copy(update={"summary": "Refund for HH-100234. Deadline: 2025-03-14."}),
        ITEM.gold,
        ITEM.transcript,
    )
    assert score.invented == []
    assert score.missing == []
    assert score.words == 5 and not score.over_length

"""Reviewer corrections written back into a handoff: checked, normalised, grounded where said."""

from __future__ import annotations

from callhandoff.evals.fields import FIELDS as EVAL_FIELDS
from callhandoff.review.fields import BY_NAME, FIELDS, apply_edits, plain
from callhandoff.schema import Evidence, FieldChange, Intent, RiskFlag, Urgency
from tests.evals.fakes import CUSTOMER_TEXT, handoff, transcript

CALL = transcript("call-1")
BASE = handoff("call-1", intent=Intent.REFUND, order_id="A12345", flags=[RiskFlag.DAMAGED_ITEM],
               urgency=Urgency.NORMAL, phone="+14155550123")  # fmt: skip


def test_every_gold_field_but_the_deadline_pair_is_reviewable_and_read_alike() -> None:
    reviewable = {d.name for d in FIELDS}
    for spec in EVAL_FIELDS:
        name = "deadline" if spec.name.startswith("deadline_") else spec.name
        assert name in reviewable, spec.name
        if name == spec.name and spec.name != "prompt_injection":
            read = plain(BASE, BY_NAME[name])
            values = [str(getattr(p.value, "value", p.value)) for p in spec.predicted(BASE)]
            assert (read if isinstance(read, list) else [read] if read else []) == values


def test_a_corrected_value_is_certain_sourced_reviewer_and_quotes_where_it_is_said() -> None:
    outcome = apply_edits(BASE, CALL, {"order_id": "403-1234567-8901234", "intent": "refund"})
    assert outcome.problems == {}
    assert outcome.handoff is not None
    order = outcome.handoff.records.order_id
    assert order is not None and order.value == "403-1234567-8901234"
    assert (order.confidence, order.source) == (1.0, "reviewer")
    assert order.evidence.turn == 1 and order.evidence.quote in CUSTOMER_TEXT
    assert outcome.changes == [{"field": "order_id", "old": "A12345", "new": "403-1234567-8901234"}]
    assert outcome.handoff.request.intent == BASE.request.intent  # unchanged value, untouched


def test_values_are_normalised_and_bad_ones_refused_per_field() -> None:
    outcome = apply_edits(
        BASE, CALL, {"caller_email": " Jane@Example.COM ", "caller_phone": "415 555 0199"}
    )
    assert outcome.handoff is not None
    assert plain(outcome.handoff, BY_NAME["caller_email"]) == "jane@example.com"
    assert plain(outcome.handoff, BY_NAME["caller_phone"]) == "+14155550199"
    bad = apply_edits(BASE, CALL, {"intent": "teleport", "caller_email": "nope", "deadline":
                                   {"text": "by Friday", "date": "Friday"}})  # fmt: skip
    assert bad.handoff is None
    assert set(bad.problems) == {"intent", "caller_email", "deadline"}


def test_lists_flags_and_clearing_a_value() -> None:
    outcome = apply_edits(BASE, CALL, {"risk_flags": [], "product_skus": ["B777"], "urgency": None,
                                       "prompt_injection": False})  # fmt: skip
    assert outcome.handoff is not None
    assert outcome.handoff.risk_flags == [] and outcome.handoff.urgency is None
    assert [s.value for s in outcome.handoff.records.product_skus] == ["B777"]
    refused = apply_edits(BASE, CALL, {"prompt_injection": True})
    assert "prompt_injection" in refused.problems  # a flag can be cleared, never invented


def test_an_edited_date_change_drops_the_time_read_from_the_call() -> None:
    said = FieldChange(
        field="booking_time",
        new_value="Friday at one",
        new_value_resolved="2025-03-21T13:00:00+00:00",
        confidence=0.75,
        evidence=Evidence(turn=1, quote=CUSTOMER_TEXT[:20]),
    )
    base = BASE.model_copy(update={"field_changes": [said]})
    edit = {"field_changes": [{"field": "booking_time", "new_value": "2025-03-22T09:00:00+00:00"}]}
    outcome = apply_edits(base, CALL, edit)
    assert outcome.handoff is not None
    (change,) = outcome.handoff.field_changes
    assert change.new_value_as_read() == "2025-03-22T09:00:00+00:00"
    in_words = [{"field": "booking_time", "new_value": "Saturday morning"}]
    worded = apply_edits(base, CALL, {"field_changes": in_words})
    assert worded.handoff is not None
    assert worded.handoff.field_changes[0].new_value_as_read() is None

"""Model answer -> Handoff, and the fallback a reviewer sees."""

from __future__ import annotations

from callhandoff.schema.enums import Intent, RefundExpectation, Urgency, Workflow
from callhandoff.schema.handoff import ExtractionMeta
from callhandoff.summarizer.mapping import fallback_handoff, to_handoff
from callhandoff.summarizer.response_model import CallExtraction
from callhandoff.summarizer.salvage import salvage_answer

from .helpers import CALL_TURNS, cited, default_fields, ex, good_answer, transcript

TURNS = [text for _, text in CALL_TURNS]


def meta() -> ExtractionMeta:
    return ExtractionMeta(backend="openai", model="m")


def test_answer_maps_onto_the_handoff_with_derived_fields() -> None:
    answer = salvage_answer(good_answer(), CallExtraction, TURNS, 90.0)
    fields = default_fields()
    fields.skus = [ex("SKU-1", 0, "SKU-1")]
    handoff = to_handoff(
        answer, transcript(), fields, meta(), phone_regions=["US"], fuzzy_threshold=90.0
    )
    assert handoff.request.intent is not None and handoff.request.intent.value is Intent.REFUND
    assert handoff.request.intent.source == "llm" and handoff.request.intent.confidence == 0.85
    assert handoff.exception.refund_expectation is not None
    assert handoff.exception.refund_expectation.value is RefundExpectation.FULL_REFUND
    assert handoff.urgency is not None and handoff.urgency.value is Urgency.HIGH
    assert handoff.workflow is not None and handoff.workflow.value is Workflow.HANDLE_EXCEPTION
    assert handoff.workflow.confidence == 0.6
    assert handoff.damage is not None and handoff.damage.expectation is not None
    assert [s.value for s in handoff.records.product_skus] == ["SKU-1"]
    assert handoff.records.order_id is not None
    assert handoff.records.order_id.source == "llm+rule"
    assert handoff.summary.startswith("Phone arrived cracked")
    assert handoff.meta.disagreements == []


def test_fallback_carries_the_exact_fields_and_the_reason() -> None:
    reason = meta().model_copy(update={"fallback_reason": "HTTP 500 after 5 attempts"})
    handoff = fallback_handoff(transcript(), default_fields(), reason)
    assert handoff.meta.fallback_reason == "HTTP 500 after 5 attempts"
    assert handoff.records.order_id is not None
    assert handoff.caller.email is not None and handoff.request.intent is None
    bare = fallback_handoff(transcript(), None, reason)
    assert bare.records.order_id is None and bare.meta.fallback_reason


def test_fields_the_model_failed_on_are_filled_and_listed() -> None:
    bad = good_answer(
        order_ids=[cited("777-1234567", 0, "my order 777-1234567")],
        summary=None,
        next_step=None,
    )
    found = salvage_answer(bad, CallExtraction, TURNS, 90.0)
    handoff = to_handoff(
        found, transcript(), default_fields(), meta(), phone_regions=["US"], fuzzy_threshold=90.0
    )
    assert handoff.records.order_id is not None
    assert handoff.records.order_id.value == "502-2345678-9012345"
    assert handoff.meta.filled == [
        "order_ids (extractors)",
        "summary (template)",
        "next_step (template)",
    ]
    assert handoff.summary and handoff.next_step  # from the offline templates
    assert [d.field for d in handoff.grounding.dropped] == ["order_ids[0]"]

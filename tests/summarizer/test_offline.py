"""The offline backend on calls whose right answer any teammate would agree on."""

from __future__ import annotations

import pytest

from callhandoff.schema import (
    Handoff,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Transcript,
)
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend


@pytest.fixture(scope="module")
def backend() -> OfflineBackend:
    return OfflineBackend(Settings())


def _call(*lines: str) -> Transcript:
    """Alternating agent / customer turns, agent first."""
    turns = [
        {"speaker": "agent" if i % 2 == 0 else "customer", "text": text}
        for i, text in enumerate(lines)
    ]
    return Transcript.model_validate(
        {
            "call_id": "dn-test",
            "destination": "cloudcart",
            "started_at": "2025-03-14T10:00:00+00:00",
            "turns": turns,
        }
    )


def _quotes_are_verbatim(handoff: Handoff, transcript: Transcript) -> None:
    values = [handoff.request.intent, handoff.exception.return_reason, handoff.urgency]
    values += [*handoff.risk_flags, handoff.records.order_id]
    for value in filter(None, values):
        assert value.evidence.quote in transcript.turns[value.evidence.turn].text


def test_damaged_item_gives_reason_flag_remedy_and_the_id(backend: OfflineBackend) -> None:
    transcript = _call(
        "Harbor and Home, how can I help?",
        "Hi, my order HH-100234 arrived and the lamp base is cracked, completely broken.",
        "I'm sorry. What would you like us to do?",
        "Can you send me a replacement please?",
    )
    handoff = backend.extract(transcript)
    assert handoff.request.intent is not None
    assert handoff.request.intent.value is Intent.RETURN_OR_EXCHANGE
    assert handoff.exception.return_reason is not None
    assert handoff.exception.return_reason.value is ReturnReason.DAMAGED
    assert handoff.exception.return_reason.evidence.turn == 1
    assert RiskFlag.DAMAGED_ITEM in handoff.risk_flag_values()
    assert handoff.exception.refund_expectation is not None
    assert handoff.exception.refund_expectation.value is RefundExpectation.REPLACEMENT
    assert handoff.records.order_id is not None and handoff.records.order_id.value == "HH-100234"
    assert handoff.damage is not None and handoff.damage.photo_needed
    _quotes_are_verbatim(handoff, transcript)


def test_negated_damage_is_not_damage(backend: OfflineBackend) -> None:
    transcript = _call(
        "How can I help?",
        "Hi, so the duvet cover I got, it's not damaged or anything, it just doesn't fit, "
        "it's too small for my bed.",
        "Would you like to exchange it for a bigger size?",
        "Yes please, exchange it for the king size.",
    )
    handoff = backend.extract(transcript)
    reason = handoff.exception.return_reason
    assert reason is None or reason.value is not ReturnReason.DAMAGED
    assert RiskFlag.DAMAGED_ITEM not in handoff.risk_flag_values()
    assert handoff.damage is None


def test_the_callers_final_preference_wins(backend: OfflineBackend) -> None:
    transcript = _call(
        "How can I help?",
        "The blender I ordered stopped working after two days.",
        "I can send you a replacement.",
        "Hmm, a replacement. Actually, no, just refund me, I'll buy a different brand.",
    )
    handoff = backend.extract(transcript)
    assert handoff.request.intent is not None
    assert handoff.request.intent.value is Intent.REFUND
    assert handoff.exception.refund_expectation is not None
    assert handoff.exception.refund_expectation.value is RefundExpectation.FULL_REFUND
    assert handoff.exception.refund_expectation.evidence.turn == 3


def test_wrong_number_is_not_actionable(backend: OfflineBackend) -> None:
    transcript = _call(
        "Harbor and Home, how can I help?",
        "Oh sorry, is this the pizza place? I think I have the wrong number.",
        "No, this is a home goods store.",
        "Sorry about that, bye.",
    )
    handoff = backend.extract(transcript)
    assert handoff.request.intent is not None
    assert handoff.request.intent.value is Intent.OTHER
    assert handoff.next_step == "No action needed."


def test_legal_threat_and_deadline_are_flagged_with_evidence(backend: OfflineBackend) -> None:
    transcript = _call(
        "How can I help?",
        "I was charged twice for order 403-1234567-8901234 and nobody is fixing it.",
        "I'm sorry, let me check.",
        "If this isn't refunded by Friday I'm calling my lawyer and doing a chargeback.",
    )
    handoff = backend.extract(transcript)
    flags = {flag.value: flag for flag in handoff.risk_flags}
    assert RiskFlag.LEGAL_OR_CHARGEBACK_THREAT in flags
    assert flags[RiskFlag.LEGAL_OR_CHARGEBACK_THREAT].evidence.turn == 3
    assert handoff.exception.deadline is not None
    assert handoff.exception.deadline.value.date is not None
    assert len(handoff.summary.split()) <= 60
    _quotes_are_verbatim(handoff, transcript)


def test_confidences_are_probabilities_and_meta_names_the_backend(backend: OfflineBackend) -> None:
    handoff = backend.extract(_call("Hello?", "Where is my parcel? It was due on Monday."))
    assert handoff.meta.backend == "offline"
    assert handoff.meta.model is not None and handoff.meta.model.startswith("offline-classifier/")
    assert handoff.request.intent is not None
    assert 0.0 < handoff.request.intent.confidence <= 1.0


def test_a_deadline_said_with_its_preposition_is_not_doubled(backend: OfflineBackend) -> None:
    transcript = _call(
        "Harbor and Home, how can I help?",
        "My parcel HH-100352 has been stuck for five days and it has to be here before Friday.",
        "I'll open a trace with the carrier now.",
    )
    handoff = backend.extract(transcript)
    assert handoff.exception.deadline is not None
    assert "before before" not in handoff.next_step
    assert handoff.exception.deadline.value.text in handoff.next_step

"""The hybrid backend: exact fields from code, the call's meaning from the model, reconciled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2

from callhandoff.redaction.stage import redact_transcript
from callhandoff.schema.enums import Intent, RefundExpectation, ReturnReason, RiskFlag, Urgency
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.factory import build_backend
from callhandoff.summarizer.hybrid import HybridBackend
from callhandoff.summarizer.offline import OfflineBackend

from .helpers import cited, completion, ok, request_json, settings, transcript

TURNS = [
    ("agent", "Harbor and Home, this is Rosa."),
    ("customer", "My order HH-100455 came with the lamp base cracked straight through."),
    ("agent", "Sorry about that. Replacement or refund?"),
    ("customer", "Money back please. My card is 4111 1111 1111 1111 if you need it."),
    ("agent", "I will send the refund request today."),
]


def reading(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "intent": cited("refund", 3, "Money back please"),
        "return_reason": cited("damaged", 1, "lamp base cracked straight through"),
        "refund_expectation": cited("full_refund", 3, "Money back please"),
        "risk_flags": [cited("damaged_item", 1, "lamp base cracked")],
        "urgency": cited("normal", 3, "Money back please"),
        "summary": "Lamp arrived cracked; the caller wants her money back.",
        "next_step": "Support files the refund request today.",
    }
    answer.update(changes)
    return answer


def run(tmp_path: Path, *answers: dict[str, Any], **overrides: Any) -> tuple[Handoff, list[Any]]:
    requests: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return ok(completion(answers[min(len(requests), len(answers)) - 1]))

    backend = HybridBackend(
        settings(tmp_path, **overrides), transport=httpx2.MockTransport(handler)
    )
    try:
        return backend.extract(call()), requests
    finally:
        backend.close()


def call() -> Transcript:
    """The call as every backend gets it: the card number already masked."""
    return redact_transcript(transcript("hy-1", TURNS))


def offline(tmp_path: Path) -> Handoff:
    return OfflineBackend(settings(tmp_path)).extract(call())


def test_the_model_reads_the_call_and_code_supplies_the_exact_fields(tmp_path: Path) -> None:
    handoff, requests = run(tmp_path, reading())

    meta = handoff.meta
    assert (meta.backend, meta.prompt_id, meta.attempts, meta.fallback_reason) == (
        "hybrid",
        "hybrid-v2",
        1,
        None,
    )
    assert handoff.request.intent is not None and handoff.request.intent.value is Intent.REFUND
    assert handoff.request.intent.source in ("llm", "llm+classifier")
    assert handoff.exception.return_reason is not None
    assert handoff.exception.return_reason.value is ReturnReason.DAMAGED
    assert handoff.exception.refund_expectation is not None
    assert handoff.exception.refund_expectation.value is RefundExpectation.FULL_REFUND
    assert handoff.urgency is not None and handoff.urgency.value is Urgency.NORMAL
    assert handoff.summary.startswith("Lamp arrived cracked")
    # the exact fields are the offline backend's, never asked of the model
    assert handoff.records.order_id is not None and handoff.records.order_id.value == "HH-100455"
    flags = {flag.value for flag in handoff.risk_flags}
    assert {RiskFlag.DAMAGED_ITEM, RiskFlag.SENSITIVE_DATA_SHARED} <= flags  # card: exact rule
    assert handoff.damage is not None and handoff.damage.photo_needed
    tool = request_json(requests[0])["tools"][0]["function"]["parameters"]
    assert "order_ids" not in tool["properties"] and "intent" in tool["properties"]


def test_a_disagreement_goes_to_the_surer_side_and_is_written_down(tmp_path: Path) -> None:
    rule = offline(tmp_path).request.intent
    assert rule is not None
    other = "complaint" if rule.value is not Intent.COMPLAINT else "refund"
    said = reading(intent=cited(other, 3, "Money back please"))
    for trust, winner in ((rule.confidence + 0.01, other), (rule.confidence, rule.value.value)):
        handoff, _ = run(tmp_path / str(trust), said, hybrid_classifier_trust=trust)
        assert handoff.request.intent is not None
        assert handoff.request.intent.value == winner
        [note] = [d for d in handoff.meta.disagreements if d.startswith("intent:")]
        assert f"model said '{other}'" in note and f"classifier said '{rule.value.value}'" in note
        assert note.endswith(f"kept '{winner}'")
        secondary = {i.value for i in handoff.request.secondary_intents}
        assert handoff.request.intent.value not in secondary


def test_a_return_reason_only_the_model_saw_is_kept_for_returns_and_refunds(
    tmp_path: Path,
) -> None:
    turns = [("customer", "Where is my order HH-100455? It said Tuesday."), ("agent", "Checking.")]
    said = reading(
        intent=cited("order_status", 0, "Where is my order"),
        return_reason=cited("late_delivery", 0, "It said Tuesday"),
        refund_expectation=None,
    )

    def answer(request: httpx2.Request) -> httpx2.Response:
        return ok(completion(said))

    backend = HybridBackend(
        settings(tmp_path, hybrid_classifier_trust=1.0), transport=httpx2.MockTransport(answer)
    )
    handoff = backend.extract(transcript("hy-2", turns))
    backend.close()
    assert handoff.request.intent is not None
    assert handoff.request.intent.value is Intent.ORDER_STATUS
    assert handoff.exception.return_reason is None  # nothing is returned or refunded


def test_the_classifiers_return_reason_stands_against_the_models_at_any_trust(
    tmp_path: Path,
) -> None:
    rule = offline(tmp_path).exception.return_reason
    assert rule is not None
    other = "wrong_item" if rule.value is not ReturnReason.WRONG_ITEM else "defective"
    said = reading(return_reason=cited(other, 1, "lamp base cracked straight through"))
    handoff, _ = run(tmp_path, said, hybrid_classifier_trust=1.0)  # the model wins labels
    assert handoff.exception.return_reason is not None
    assert handoff.exception.return_reason.value == rule.value
    [note] = [d for d in handoff.meta.disagreements if d.startswith("return_reason:")]
    assert note.endswith(f"kept '{rule.value.value}'")


def test_what_the_model_does_not_deliver_comes_from_the_classifier(tmp_path: Path) -> None:
    bad = reading(intent=cited("refund", 3, "words nobody said"), summary=None, next_step=None)
    handoff, requests = run(tmp_path, bad, {"intent": None}, max_retries=1)
    assert len(requests) == 2 and handoff.meta.reasked == ["intent", "summary", "next_step"]
    rule = offline(tmp_path)
    assert handoff.request.intent == rule.request.intent
    assert handoff.meta.filled == [
        "intent (classifier)",
        "summary (template)",
        "next_step (template)",
    ]
    assert handoff.summary and handoff.meta.fallback_reason is None
    assert handoff.exception.return_reason is not None  # kept from the first answer


def test_with_nothing_usable_the_offline_handoff_goes_to_review(tmp_path: Path) -> None:
    handoff, requests = run(tmp_path, {"nothing": "useful"}, max_retries=1)
    assert len(requests) == 2
    reason = handoff.meta.fallback_reason
    assert reason is not None and reason.startswith("no usable field after 2 attempts")
    rule = offline(tmp_path)
    assert handoff.records.order_id == rule.records.order_id
    assert handoff.request.intent == rule.request.intent  # for the reviewer


def test_settings_pick_the_hybrid_backend(tmp_path: Path) -> None:
    chosen = build_backend(
        Settings(backend="hybrid", data_dir=tmp_path, base_url="http://127.0.0.1:9/v1")
    )
    try:
        assert isinstance(chosen, HybridBackend) and chosen.name == "hybrid"
    finally:
        chosen.close()

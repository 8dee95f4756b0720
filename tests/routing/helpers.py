"""Hand-built calls for routing tests: a transcript plus a handoff whose evidence it contains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callhandoff.schema import (
    Caller,
    CallLinks,
    CallResult,
    DroppedValue,
    Evidence,
    ExceptionDetails,
    Extracted,
    ExtractionMeta,
    FieldChange,
    FollowUp,
    GroundingReport,
    Handoff,
    Money,
    Records,
    Request,
    Transcript,
    Turn,
)
from callhandoff.schema.enums import (
    ChangeKind,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
)

FIXTURES = Path(__file__).parent / "fixtures"
STORE = FIXTURES / "store"
REFERENCE = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)


@dataclass
class Call:
    """A transcript and the handoff extracted from it."""

    transcript: Transcript
    handoff: Handoff

    def result(self) -> CallResult:
        """The CallResult the pipeline would hand to the router."""
        return CallResult(
            call_id=self.transcript.call_id,
            transcript_hash=self.transcript.content_hash(),
            handoff=self.handoff,
        )


def _ex(value: Any, confidence: float = 0.9, quote: str | None = None) -> Extracted[Any]:
    return Extracted(
        value=value, confidence=confidence, evidence=Evidence(turn=1, quote=quote or str(value))
    )


def make_call(
    call_id: str = "call-1",
    destination: str = "cloudcart",
    *,
    intent: str | None = "order_status",
    intent_confidence: float = 0.9,
    secondary: Sequence[str] = (),
    order_id: str | None = None,
    other_order_ids: Sequence[str] = (),
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    customer_id: str | None = None,
    booking_id: str | None = None,
    skus: Sequence[str] = (),
    products: Sequence[str] = (),
    changes: Sequence[tuple[str, str | None, str]] = (),
    change_confidence: float = 0.9,
    risk_flags: Sequence[str] = (),
    injection: str | None = None,
    fallback: str | None = None,
    refund: str | None = None,
    return_reason: str | None = None,
    change_kind: str | None = None,
    vip: bool | None = None,
    order_value: float | None = None,
    summary: str = "Caller asks about the order.",
    next_step: str = "Reply with the status.",
    promise: str | None = None,
    dropped: Sequence[str] = (),
    store: str | None = None,
    caller_phone: str | None = None,
    started_at: datetime | None = REFERENCE,
    extra_text: str = "",
    confidence: float = 0.9,
) -> Call:
    """A call whose customer turn quotes every value the handoff carries."""
    quoted = [
        v
        for v in (
            order_id,
            *other_order_ids,
            name,
            phone,
            email,
            customer_id,
            booking_id,
            *skus,
            *products,
        )
        if v
    ]
    quoted += [new for _, _, new in changes]
    text = " ".join(["Hello.", *quoted, injection or "", extra_text]).strip()
    transcript = Transcript(
        call_id=call_id,
        destination=destination,  # type: ignore[arg-type]
        store=store,
        caller_phone=caller_phone,
        started_at=started_at,
        links=CallLinks(
            transcript=f"https://calls.example/{call_id}.txt",
            recording=f"https://calls.example/{call_id}.mp3",
        ),
        turns=[
            Turn(speaker="agent", text="Thanks for calling."),
            Turn(speaker="customer", text=text),
        ],
    )
    handoff = Handoff(
        call_id=call_id,
        destination=destination,  # type: ignore[arg-type]
        caller=Caller(
            name=_ex(name, confidence) if name else None,
            phone=_ex(phone, confidence) if phone else None,
            email=_ex(email, confidence) if email else None,
            customer_id=_ex(customer_id, confidence) if customer_id else None,
            vip=_ex(vip, confidence, "vip") if vip is not None else None,
            order_value=_ex(Money(amount=order_value), confidence, str(order_value))
            if order_value is not None
            else None,
        ),
        records=Records(
            order_id=_ex(order_id, confidence) if order_id else None,
            other_order_ids=[_ex(o, confidence) for o in other_order_ids],
            booking_id=_ex(booking_id, confidence) if booking_id else None,
            product_skus=[_ex(s, confidence) for s in skus],
            product_names=[_ex(p, confidence) for p in products],
        ),
        request=Request(
            intent=_ex(Intent(intent), intent_confidence, "Hello.") if intent else None,
            secondary_intents=[_ex(Intent(i), 0.8, "Hello.") for i in secondary],
            change_kind=_ex(ChangeKind(change_kind), 0.9, "Hello.") if change_kind else None,
        ),
        exception=ExceptionDetails(
            refund_expectation=_ex(RefundExpectation(refund), 0.9, "Hello.") if refund else None,
            return_reason=_ex(ReturnReason(return_reason), 0.9, "Hello.")
            if return_reason
            else None,
        ),
        field_changes=[
            FieldChange(
                field=f,
                old_value=old,
                new_value=new,
                reason="caller asked",
                confidence=change_confidence,
                evidence=Evidence(turn=1, quote=new),
            )
            for f, old, new in changes
        ],
        follow_up=FollowUp(promise=_ex(promise, 0.9) if promise else None),
        risk_flags=[_ex(RiskFlag(flag), 0.9, "Hello.") for flag in risk_flags],
        prompt_injection=_ex(injection, 0.9) if injection else None,
        summary=summary,
        next_step=next_step,
        grounding=GroundingReport(
            dropped=[DroppedValue(field=f, value="x", reason="not in the quote") for f in dropped]
        ),
        meta=ExtractionMeta(backend="test", fallback_reason=fallback),
    )
    return Call(transcript, handoff)


def base_facts(**changes: Any) -> dict[str, Any]:
    """A clean, matched, actionable call: the default policy creates a record for it."""
    facts: dict[str, Any] = {
        "destination": "cloudcart",
        "intent": "order_status",
        "intent_confidence": 0.9,
        "intents": ["order_status"],
        "change_kind": None,
        "refund_expectation": None,
        "return_reason": None,
        "risk_flags": [],
        "workflow": None,
        "prompt_injection": False,
        "fallback": False,
        "fallback_reason": None,
        "matched": True,
        "match_confidence": 0.95,
        "match_method": "order_id",
        "customer_id": "C-1",
        "order_id": "A-100101",
        "booking_id": None,
        "findings": [],
        "disagreements": [],
        "dropped_identifiers": [],
        "low_confidence_fields": [],
        "vip": False,
        "loyalty_tier": None,
        "order_value": 60.0,
        "urgency": "normal",
        "repeat_complaint": False,
        "deadline_in_days": None,
        "field_changes": [],
        "change_groups": [],
        "mentions_record": True,
        "has_record": True,
        "has_destination_object": True,
        "destination_object": "subscriber C-1 (follow-up needed)",
        "lifecycle_signals": ["follow_up_need"],
        "context_score": 4,
        "transcript_changed": False,
        "changed_after_delivery": False,
        "version": 1,
    }
    facts.update(changes)
    return facts

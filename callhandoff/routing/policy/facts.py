"""The facts a policy rule can test, computed from the handoff, the match and the call history.

Facts are a flat, JSON-serialisable mapping (stored with every decision so
`callhandoff explain` can show the numbers the rules saw).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from callhandoff.extractors.injection import injection_kind
from callhandoff.normalize import fold
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.routing.policy.file import Policy
from callhandoff.schema.enums import Intent, Workflow
from callhandoff.schema.handoff import Extracted, FieldChange, Handoff

PRODUCT_INTENTS = {Intent.PRODUCT_INQUIRY.value, Intent.PURCHASE_INTENT.value}
RETURN_INTENTS = {Intent.RETURN_OR_EXCHANGE.value, Intent.REFUND.value}


@dataclass(frozen=True)
class History:
    """What the store already knew about this call ID when this version arrived."""

    version: int = 1
    transcript_changed: bool = False
    changed_after_delivery: bool = False


# How a lifecycle signal reads in a reason sentence.
_SIGNAL_WORDS = {
    "product_interest": "product interest",
    "return_outcome": "return outcome",
    "follow_up_need": "follow-up needed",
}


_SCORED = (Extracted, FieldChange)  # the values that carry a confidence


def _confidences(handoff: Handoff, path: str) -> list[float]:
    """Confidences of the value(s) at a dotted handoff path (lists give one per element)."""
    current: Any = handoff
    for part in path.split("."):
        if current is None:
            return []
        current = getattr(current, part, None)
    if current is None:
        return []
    items = current if isinstance(current, list) else [current]
    return [item.confidence for item in items if isinstance(item, _SCORED)]


# An identifier the store record confirms is trusted whatever its extraction confidence.
_CONFIRMED_BY = {
    "records.order_id": "order_id",
    "records.booking_id": "booking_id",
    "caller.phone": "phone",
    "caller.email": "email",
    "caller.customer_id": "customer_id",
}


def low_confidence_fields(
    handoff: Handoff, thresholds: dict[str, float], confirmed: set[str] | None = None
) -> list[str]:
    """The configured fields whose confidence is below their threshold.

    `confirmed` names the match fields (order_id, phone, ...) where what the caller
    said agrees with the store record; those identifiers are not low-confidence.
    """
    low: list[str] = []
    confirmed = confirmed or set()
    for path, minimum in thresholds.items():
        if _CONFIRMED_BY.get(path) in confirmed:
            continue
        values = _confidences(handoff, path)
        if values and min(values) < minimum:
            low.append(path)
    return low


def change_groups(fields: list[str], groups: dict[str, list[str]]) -> list[str]:
    """money / access / commitment / other for the changed field names."""
    found: set[str] = set()
    for name in fields:
        words = set(fold(name.replace("_", " ")).split()) | {fold(name).replace(" ", "_")}
        hit = [group for group, members in groups.items() if words & set(members)]
        found.update(hit or ["other"])
    return sorted(found)


def lifecycle_signals(handoff: Handoff, intents: set[str]) -> list[str]:
    """The safe, marketing-grade signals a call carries (for subscriber destinations)."""
    signals: list[str] = []
    if intents & PRODUCT_INTENTS or (
        handoff.workflow is not None and handoff.workflow.value is Workflow.RECOVER_BUYING_INTENT
    ):
        signals.append("product_interest")
    if intents & RETURN_INTENTS:
        signals.append("return_outcome")
    follow = handoff.follow_up
    if (
        follow.promise
        or follow.preferred_time
        or handoff.next_step.strip()
        or (handoff.workflow is not None and handoff.workflow.value is Workflow.FOLLOW_UP)
    ):
        signals.append("follow_up_need")
    return signals


def _destination_object(handoff: Handoff, outcome: MatchOutcome, signals: list[str]) -> str | None:
    """What a `create` would create at the destination, in words; None when nothing is clear."""
    if handoff.destination.value == "cloudcart":
        if outcome.customer is not None and signals:
            said = ", ".join(_SIGNAL_WORDS.get(signal, signal) for signal in signals)
            return f"subscriber {outcome.customer.customer_id} ({said})"
        return None
    if outcome.order is not None:
        return f"order {outcome.order.order_id}"
    if outcome.booking is not None:
        return f"booking {outcome.booking.booking_id}"
    if outcome.products:
        return "product " + ", ".join(sorted(outcome.products))
    if outcome.customer is not None and "product_interest" in signals:
        return f"sales lead for customer {outcome.customer.customer_id}"
    return None


def _value(item: BaseModel | None) -> str | None:
    value = getattr(item, "value", None)
    return None if value is None else str(value)


def _deadline_in_days(handoff: Handoff, reference: datetime) -> int | None:
    deadline = handoff.exception.deadline
    if deadline is None or deadline.value.date is None:
        return None
    return (deadline.value.date - reference.date()).days


def compute_facts(
    handoff: Handoff,
    outcome: MatchOutcome,
    policy: Policy,
    history: History,
    reference: datetime,
) -> dict[str, Any]:
    """Every fact in `conditions.FACTS` for this call; `reference` is the call's start."""
    request, match = handoff.request, outcome.match
    intent = request.intent.value.value if request.intent else None
    intents = {i.value.value for i in request.secondary_intents}
    if intent is not None:
        intents.add(intent)
    customer, order, said = outcome.customer, outcome.order, outcome.said
    vip = (
        customer.vip
        if customer is not None
        else bool(handoff.caller.vip and handoff.caller.vip.value)
    )
    tier = (
        customer.loyalty_tier
        if customer is not None
        else (
            handoff.caller.loyalty_status.value.lower() if handoff.caller.loyalty_status else None
        )
    )
    related = order or outcome.related_order
    order_value: float | None = related.total if related is not None else None
    if order_value is None and handoff.caller.order_value is not None:
        order_value = handoff.caller.order_value.value.amount
    fields = [change.field for change in handoff.field_changes]
    signals = lifecycle_signals(handoff, intents)
    destination_object = _destination_object(handoff, outcome, signals)
    has_record = order is not None or outcome.booking is not None or bool(outcome.products)
    confirmed: set[str] = {a.field for a in match.agreements if a.agrees}
    low = low_confidence_fields(handoff, policy.field_confidence, confirmed)
    intent_ok = intent is not None and "request.intent" not in low
    context_score = sum(
        [
            intent_ok,
            bool(handoff.summary.strip()),
            bool(handoff.next_step.strip()),
            has_record,
            bool(handoff.follow_up.promise or handoff.follow_up.preferred_time),
        ]
    )
    return {
        "destination": handoff.destination.value,
        "intent": intent,
        "intent_confidence": request.intent.confidence if request.intent else None,
        "intents": sorted(intents),
        "change_kind": _value(request.change_kind),
        "refund_expectation": _value(handoff.exception.refund_expectation),
        "return_reason": _value(handoff.exception.return_reason),
        "risk_flags": sorted(flag.value for flag in handoff.risk_flag_values()),
        "workflow": _value(handoff.workflow),
        "prompt_injection": handoff.prompt_injection is not None,
        "prompt_injection_kind": (
            injection_kind(handoff.prompt_injection) if handoff.prompt_injection else None
        ),
        "fallback": handoff.meta.fallback_reason is not None,
        "fallback_reason": handoff.meta.fallback_reason,
        "matched": match.matched,
        "match_confidence": match.confidence,
        "match_method": match.method,
        "customer_id": match.customer_id,
        "order_id": match.order_id,
        "booking_id": match.booking_id,
        "findings": list(match.findings),
        "disagreements": sorted({a.field for a in match.disagreements}),
        "dropped_identifiers": list(said.dropped),
        "low_confidence_fields": low,
        "vip": vip,
        "loyalty_tier": tier,
        "order_value": order_value,
        "urgency": handoff.urgency.value.value if handoff.urgency else None,
        "repeat_complaint": bool(
            handoff.caller.repeat_complaint and handoff.caller.repeat_complaint.value
        ),
        "deadline_in_days": _deadline_in_days(handoff, reference),
        "field_changes": fields,
        "change_groups": change_groups(fields, policy.field_groups),
        "mentions_record": bool(
            said.order_ids or said.booking_id or said.skus or said.product_names
        ),
        "has_record": has_record,
        "has_destination_object": destination_object is not None,
        "destination_object": destination_object,
        "lifecycle_signals": signals,
        "context_score": context_score,
        "transcript_changed": history.transcript_changed,
        "changed_after_delivery": history.changed_after_delivery,
        "version": history.version,
    }

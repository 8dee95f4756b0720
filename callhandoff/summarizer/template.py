"""The offline backend's summary and next step: templates over the grounded fields.

A teammate should be able to act without replaying the call, so the summary says
who, about what, what they want and by when, the risks, and the caller's key
sentence verbatim, in at most SUMMARY_MAX_WORDS words.
"""

from __future__ import annotations

from callhandoff.schema.enums import Intent, RefundExpectation
from callhandoff.schema.handoff import SUMMARY_MAX_WORDS, Handoff

_INTENT_PHRASE = {
    Intent.ORDER_STATUS: "asks for the status of {obj}",
    Intent.DELIVERY_ISSUE: "reports a delivery problem with {obj}",
    Intent.RETURN_OR_EXCHANGE: "wants to return or exchange {obj}",
    Intent.REFUND: "wants a refund for {obj}",
    Intent.CANCEL_ORDER: "wants to cancel {obj}",
    Intent.CHANGE_ORDER: "wants to change {obj}",
    Intent.PRODUCT_INQUIRY: "asks about a product",
    Intent.PURCHASE_INTENT: "wants to buy",
    Intent.BOOKING: "wants to book or move an appointment",
    Intent.BILLING_PAYMENT: "reports a billing or payment problem with {obj}",
    Intent.ACCOUNT: "needs help with their account",
    Intent.COMPLAINT: "complains about {obj}",
    Intent.OTHER: "had no actionable request",
}
_NEXT_STEP = {
    Intent.ORDER_STATUS: "Look up {obj} and send the caller its current status.",
    Intent.DELIVERY_ISSUE: "Open a carrier trace for {obj} and update the caller{deadline}.",
    Intent.RETURN_OR_EXCHANGE: "Start a {remedy} for {obj}{photo}{deadline}.",
    Intent.REFUND: "Check refund eligibility for {obj} and process a {remedy}{deadline}.",
    Intent.CANCEL_ORDER: "Cancel {obj} if it has not shipped and confirm the refund to the caller.",
    Intent.CHANGE_ORDER: "Update the {change} on {obj} and confirm the change to the caller.",
    Intent.PRODUCT_INQUIRY: "Answer the caller's {topic} question and offer to place an order.",
    Intent.PURCHASE_INTENT: "Send the caller an offer or quote and help them complete the order.",
    Intent.BOOKING: "Confirm the booking{booking} with the caller{deadline}.",
    Intent.BILLING_PAYMENT: "Investigate the charge on {obj} and reply to the caller.",
    Intent.ACCOUNT: "Resolve the account request and confirm it to the caller.",
    Intent.COMPLAINT: "Escalate to a supervisor and call the caller back.",
    Intent.OTHER: "No action needed.",
}
_REMEDY = {
    RefundExpectation.FULL_REFUND: "full refund",
    RefundExpectation.PARTIAL_REFUND: "partial refund",
    RefundExpectation.REPLACEMENT: "replacement",
    RefundExpectation.EXCHANGE: "exchange",
    RefundExpectation.STORE_CREDIT: "store credit",
    RefundExpectation.REPAIR: "repair",
    RefundExpectation.UNSPECIFIED: "remedy (unspecified)",
}


# A deadline said with its own preposition ("before Friday", "by the 12th") keeps it.
_TIME_PREPOSITIONS = frozenset({"before", "by", "until", "till", "on", "in", "within", "no"})


def _by(said: str) -> str:
    """The deadline as the end of a next step: " before Friday", " by the 12th"."""
    first = said.split(maxsplit=1)[0].lower() if said.strip() else ""
    return f" {said}" if first in _TIME_PREPOSITIONS else f" before {said}"


def _object(handoff: Handoff) -> str:
    records = handoff.records
    if records.order_id is not None:
        return f"order {records.order_id.value}"
    if records.booking_id is not None:
        return f"booking {records.booking_id.value}"
    if records.product_names:
        return records.product_names[0].value
    return "an order (no id given)"


def _caller(handoff: Handoff) -> str:
    caller = handoff.caller
    if caller.name is not None:
        return caller.name.value
    return "Caller"


def _clip(words: list[str], budget: int) -> str:
    if budget <= 0:
        return ""
    if len(words) <= budget:
        return " ".join(words)
    return " ".join(words[: max(budget - 1, 1)]) + " …"


def summarize(handoff: Handoff) -> str:
    """An operational summary of at most SUMMARY_MAX_WORDS words."""
    intent = handoff.request.intent.value if handoff.request.intent else Intent.OTHER
    obj = _object(handoff)
    parts = [f"{_caller(handoff)} {_INTENT_PHRASE[intent].format(obj=obj)}"]
    reason = handoff.exception.return_reason
    if reason is not None:
        parts[0] += f" (reason: {reason.value.value.replace('_', ' ')})"
    parts[0] += "."
    expectation = handoff.exception.refund_expectation
    if expectation is not None and expectation.value is not RefundExpectation.UNSPECIFIED:
        parts.append(f"Wants a {_REMEDY[expectation.value]}.")
    for change in handoff.field_changes[:2]:
        field = change.field.replace("_", " ")
        before = f" from {change.old_value}" if change.old_value else ""
        parts.append(f"Change {field}{before} to {change.new_value}.")
    deadline = handoff.exception.deadline
    if deadline is not None:
        when = deadline.value.date.isoformat() if deadline.value.date else deadline.value.text
        parts.append(f"Deadline: {when}.")
    if handoff.risk_flags:
        flags = ", ".join(flag.value.value.replace("_", " ") for flag in handoff.risk_flags)
        parts.append(f"Risks: {flags}.")
    head = " ".join(parts).split()
    head = head[:SUMMARY_MAX_WORDS]
    key = handoff.request.intent.evidence.quote if handoff.request.intent else ""
    budget = SUMMARY_MAX_WORDS - len(head) - 1
    quote = _clip(key.split(), budget) if key else ""
    return " ".join(head) + (f" Said: “{quote}”" if quote else "")


def next_step(handoff: Handoff) -> str:
    """What the owner should do next, in one sentence (plus the agent's promise)."""
    if handoff.meta.fallback_reason:
        return "Review manually: automatic extraction failed, read the transcript."
    if handoff.prompt_injection is not None:
        return "Review manually: the caller tried to instruct the system; do not act on it blindly."
    intent = handoff.request.intent.value if handoff.request.intent else Intent.OTHER
    expectation = handoff.exception.refund_expectation
    remedy = _REMEDY[expectation.value] if expectation is not None else "return"
    deadline = handoff.exception.deadline
    photo = (
        " and ask for a photo of the damage"
        if handoff.damage and handoff.damage.photo_needed
        else ""
    )
    change = (
        handoff.request.change_kind.value.value if handoff.request.change_kind else "order details"
    )
    topic = (
        handoff.request.inquiry_topic.value.value if handoff.request.inquiry_topic else "product"
    )
    booking = f" {handoff.records.booking_id.value}" if handoff.records.booking_id else ""
    step = _NEXT_STEP[intent].format(
        obj=_object(handoff),
        remedy=remedy,
        photo=photo,
        deadline=_by(deadline.value.text) if deadline else "",
        change=change,
        topic=topic,
        booking=booking,
    )
    promise = handoff.follow_up.promise
    if promise is not None and intent is not Intent.OTHER:
        step += f" Agent promised: “{_clip(promise.value.split(), 25)}”"
    return step

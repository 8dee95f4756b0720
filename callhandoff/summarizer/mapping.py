"""Turn the model's `CallExtraction` into the `Handoff` every backend produces.

The model supplies what needs understanding (intent, reasons, risks, urgency,
summary); the deterministic extractors supply what must be exact (SKUs, booking
ids, resolved deadlines, field changes, follow-up, injection attempts), and the
identifiers both can see are cross-checked (cross_check.py). Workflow and damage
details are derived from the model's intent and return reason, with a lower
confidence, so no field is asked of the model that code can fill.

`fallback_handoff` is what a failed call becomes: the deterministic fields only,
no intent, and `meta.fallback_reason` saying why, so the policy sends it to review.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, TypeVar

from callhandoff.extractors.changes import find_field_changes
from callhandoff.extractors.follow_up import find_follow_up
from callhandoff.normalize import email_key, id_key, phone_e164
from callhandoff.schema.enums import Intent, ReturnReason, Workflow
from callhandoff.schema.handoff import (
    Caller,
    DamageDetails,
    Deadline,
    Evidence,
    ExceptionDetails,
    Extracted,
    ExtractionMeta,
    Handoff,
    Records,
    Request,
)
from callhandoff.schema.transcript import Transcript
from callhandoff.summarizer.cross_check import (
    DeterministicLike,
    Reconciled,
    reconcile,
)
from callhandoff.summarizer.response_model import CallExtraction, Cited

V = TypeVar("V")

VERBATIM_CONFIDENCE = 0.85
FUZZY_CONFIDENCE = 0.7
DERIVED_CONFIDENCE = 0.6

WORKFLOW_FOR_INTENT: dict[Intent, Workflow] = {
    Intent.ORDER_STATUS: Workflow.FIND_TRANSACTION,
    Intent.DELIVERY_ISSUE: Workflow.HANDLE_EXCEPTION,
    Intent.RETURN_OR_EXCHANGE: Workflow.HANDLE_EXCEPTION,
    Intent.REFUND: Workflow.HANDLE_EXCEPTION,
    Intent.CANCEL_ORDER: Workflow.HANDLE_EXCEPTION,
    Intent.CHANGE_ORDER: Workflow.INFORM_OPERATIONS,
    Intent.PRODUCT_INQUIRY: Workflow.RECOVER_BUYING_INTENT,
    Intent.PURCHASE_INTENT: Workflow.RECOVER_BUYING_INTENT,
    Intent.BOOKING: Workflow.FOLLOW_UP,
    Intent.BILLING_PAYMENT: Workflow.ISSUE_TRIAGE,
    Intent.ACCOUNT: Workflow.ISSUE_TRIAGE,
    Intent.COMPLAINT: Workflow.ESCALATION,
}


def _confidence(item: Cited, transcript: Transcript) -> float:
    text = transcript.turns[item.turn].text if item.turn < len(transcript.turns) else ""
    verbatim = item.quote in text or item.quote.casefold() in text.casefold()
    return VERBATIM_CONFIDENCE if verbatim else FUZZY_CONFIDENCE


def extracted(item: Cited, value: V, transcript: Transcript) -> Extracted[V]:
    """One model value as an `Extracted`, sourced 'llm', its evidence as cited."""
    return Extracted[Any](
        value=value,
        confidence=_confidence(item, transcript),
        evidence=Evidence(turn=item.turn, quote=item.quote),
        source="llm",
    )


def _opt(item: Cited | None, transcript: Transcript) -> Extracted[Any] | None:
    return None if item is None else extracted(item, item.value, transcript)


def _derived(value: V, basis: Extracted[Any]) -> Extracted[V]:
    return Extracted[Any](
        value=value,
        confidence=min(DERIVED_CONFIDENCE, basis.confidence),
        evidence=basis.evidence,
        source="rule:derived_from_llm",
    )


def _first(items: Sequence[Extracted[str]]) -> Extracted[str] | None:
    return items[0] if items else None


def deterministic_parts(transcript: Transcript, fields: DeterministicLike) -> dict[str, Any]:
    """The Handoff parts the extractors fill on their own (used by both paths)."""
    return {
        "field_changes": find_field_changes(transcript),
        "follow_up": find_follow_up(transcript),
        "prompt_injection": fields.injection,
    }


def to_handoff(
    extraction: CallExtraction,
    transcript: Transcript,
    fields: DeterministicLike,
    meta: ExtractionMeta,
    *,
    phone_regions: Sequence[str],
    fuzzy_threshold: float,
) -> Handoff:
    """The Handoff for a validated model answer, cross-checked and with derived fields."""
    x = extraction
    notes: list[str] = []

    def check(
        name: str, llm: Extracted[str] | None, found: Sequence[Extracted[str]], norm: Any
    ) -> Reconciled:
        result = reconcile(name, llm, found, norm, transcript, fuzzy_threshold=fuzzy_threshold)
        if result.disagreement:
            notes.append(result.disagreement)
        return result

    llm_orders = [extracted(o, o.value, transcript) for o in x.order_ids]
    orders = check("order_id", _first(llm_orders), fields.order_ids, id_key)
    other_orders = list(orders.others)
    seen = {id_key(o.value) for o in [orders.value, *other_orders] if o is not None}
    for extra in llm_orders[1:]:
        if id_key(extra.value) not in seen:
            other_orders.append(extra.model_copy(update={"value": id_key(extra.value)}))
            seen.add(id_key(extra.value))
    phone = check(
        "phone",
        _opt(x.phone, transcript),
        fields.phones,
        partial(phone_e164, regions=phone_regions),
    )
    email = check("email", _opt(x.email, transcript), fields.emails, email_key)

    intent: Extracted[Intent] = extracted(x.intent, x.intent.value, transcript)
    reason = _opt(x.return_reason, transcript)
    expectation = _opt(x.refund_expectation, transcript)
    products = [extracted(p, p.value, transcript) for p in x.products]
    deadline = fields.deadline or (
        None
        if x.deadline is None
        else extracted(x.deadline, Deadline(text=x.deadline.value), transcript)
    )
    workflow = WORKFLOW_FOR_INTENT.get(x.intent.value)
    damage = None
    if reason is not None and reason.value in (ReturnReason.DAMAGED, ReturnReason.DEFECTIVE):
        damage = DamageDetails(
            item=products[0] if products else None,
            description=_derived(reason.evidence.quote, reason),
            photo_needed=reason.value is ReturnReason.DAMAGED,
            expectation=expectation,
        )
    parts = deterministic_parts(transcript, fields)
    follow_up = parts.pop("follow_up")
    if x.agent_promise is not None:
        follow_up = follow_up.model_copy(
            update={"promise": extracted(x.agent_promise, x.agent_promise.value, transcript)}
        )
    return Handoff(
        call_id=transcript.call_id,
        destination=transcript.destination,
        caller=Caller(
            name=_opt(x.customer_name, transcript) or _first(fields.names),
            phone=phone.value,
            email=email.value,
        ),
        records=Records(
            order_id=orders.value,
            other_order_ids=other_orders,
            product_skus=list(fields.skus),
            product_names=products,
            booking_id=_first(fields.booking_ids),
        ),
        request=Request(intent=intent),
        exception=ExceptionDetails(
            return_reason=reason, refund_expectation=expectation, deadline=deadline
        ),
        follow_up=follow_up,
        risk_flags=[extracted(r, r.value, transcript) for r in x.risk_flags],
        workflow=None if workflow is None else _derived(workflow, intent),
        damage=damage,
        urgency=extracted(x.urgency, x.urgency.value, transcript),
        sentiment=_opt(x.sentiment, transcript),
        summary=x.summary,
        next_step=x.next_step,
        meta=meta.model_copy(update={"disagreements": [*meta.disagreements, *notes]}),
        **parts,
    )


def fallback_handoff(
    transcript: Transcript, fields: DeterministicLike | None, meta: ExtractionMeta
) -> Handoff:
    """A handoff for a call the model could not do: exact fields only, reason in meta."""
    if fields is None:
        return Handoff(call_id=transcript.call_id, destination=transcript.destination, meta=meta)
    return Handoff(
        call_id=transcript.call_id,
        destination=transcript.destination,
        caller=Caller(
            name=_first(fields.names), phone=_first(fields.phones), email=_first(fields.emails)
        ),
        records=Records(
            order_id=_first(fields.order_ids),
            other_order_ids=list(fields.order_ids[1:]),
            product_skus=list(fields.skus),
            booking_id=_first(fields.booking_ids),
        ),
        exception=ExceptionDetails(deadline=fields.deadline),
        meta=meta,
        **deterministic_parts(transcript, fields),
    )

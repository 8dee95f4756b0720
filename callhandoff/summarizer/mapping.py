"""Turn the model's salvaged `CallExtraction` fields into the `Handoff` every backend produces.

The model supplies what needs understanding (intent, reasons, risks, urgency,
summary); the deterministic extractors supply what must be exact (SKUs, booking
ids, resolved deadlines, field changes, follow-up, injection attempts), and the
identifiers both can see are cross-checked (cross_check.py). Workflow and damage
details are derived from the model's intent and return reason, with a lower
confidence, so no field is asked of the model that code can fill.

Fields the model did not deliver are filled where the extractors have them (ids,
phones, emails), the summary and next step from the offline templates; each fill
is listed in `meta.filled`. The salvage's drops and re-anchorings go into the
grounding report.

`fallback_handoff` is what a call with nothing usable becomes: the deterministic
fields only, no intent, and `meta.fallback_reason` saying why, so the policy
sends it to review.
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
    GroundingReport,
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
from callhandoff.summarizer.salvage import Salvage, as_model
from callhandoff.summarizer.template import next_step, summarize

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


def cited_value(item: Cited | None, transcript: Transcript) -> Extracted[Any] | None:
    return None if item is None else extracted(item, item.value, transcript)


def derived_value(value: V, basis: Extracted[Any]) -> Extracted[V]:
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


def salvage_report(found: Salvage) -> GroundingReport:
    """The model fields salvage dropped or re-anchored, for the handoff's grounding report."""
    return GroundingReport(
        checked=len(found.dropped), dropped=list(found.dropped), reanchored=list(found.reanchored)
    )


def with_text_fills(handoff: Handoff, found: Salvage) -> Handoff:
    """Summary and next step from the offline templates where the model gave none."""
    filled: list[str] = []
    updates: dict[str, Any] = {}
    if "summary" not in found.values:
        updates["summary"] = summarize(handoff)
        filled.append("summary (template)")
    if "next_step" not in found.values:
        updates["next_step"] = next_step(handoff)
        filled.append("next_step (template)")
    if not updates:
        return handoff
    meta = handoff.meta.model_copy(update={"filled": [*handoff.meta.filled, *filled]})
    return handoff.model_copy(update={**updates, "meta": meta})


def _filled(found: Salvage, checks: Sequence[tuple[str, Reconciled]]) -> list[str]:
    """The identifier fields the model failed on that the extractors filled."""
    return [
        f"{name} (extractors)"
        for name, result in checks
        if name in found.problems and result.value is not None
    ]


def to_handoff(
    found: Salvage,
    transcript: Transcript,
    fields: DeterministicLike,
    meta: ExtractionMeta,
    *,
    phone_regions: Sequence[str],
    fuzzy_threshold: float,
) -> Handoff:
    """The Handoff for the salvaged model fields, cross-checked and with derived fields."""
    x = as_model(found, CallExtraction)
    notes: list[str] = []

    def check(
        name: str, llm: Extracted[str] | None, found: Sequence[Extracted[str]], norm: Any
    ) -> Reconciled:
        result = reconcile(name, llm, found, norm, transcript, fuzzy_threshold=fuzzy_threshold)
        if result.disagreement:
            notes.append(result.disagreement)
        return result

    llm_orders = [extracted(o, o.value, transcript) for o in x["order_ids"]]
    orders = check("order_id", _first(llm_orders), fields.order_ids, id_key)
    other_orders = list(orders.others)
    seen = {id_key(o.value) for o in [orders.value, *other_orders] if o is not None}
    for extra in llm_orders[1:]:
        if id_key(extra.value) not in seen:
            other_orders.append(extra.model_copy(update={"value": id_key(extra.value)}))
            seen.add(id_key(extra.value))
    phone = check(
        "phone",
        cited_value(x["phone"], transcript),
        fields.phones,
        partial(phone_e164, regions=phone_regions),
    )
    email = check("email", cited_value(x["email"], transcript), fields.emails, email_key)

    intent: Extracted[Intent] | None = cited_value(x["intent"], transcript)
    reason = cited_value(x["return_reason"], transcript)
    expectation = cited_value(x["refund_expectation"], transcript)
    products = [extracted(p, p.value, transcript) for p in x["products"]]
    said_deadline = x["deadline"]
    deadline = fields.deadline or (
        None
        if said_deadline is None
        else extracted(said_deadline, Deadline(text=said_deadline.value), transcript)
    )
    workflow = None if intent is None else WORKFLOW_FOR_INTENT.get(intent.value)
    damage = None
    if reason is not None and reason.value in (ReturnReason.DAMAGED, ReturnReason.DEFECTIVE):
        damage = DamageDetails(
            item=products[0] if products else None,
            description=derived_value(reason.evidence.quote, reason),
            photo_needed=reason.value is ReturnReason.DAMAGED,
            expectation=expectation,
        )
    parts = deterministic_parts(transcript, fields)
    follow_up = parts.pop("follow_up")
    promise = x["agent_promise"]
    if promise is not None:
        follow_up = follow_up.model_copy(
            update={"promise": extracted(promise, promise.value, transcript)}
        )
    filled = _filled(found, [("order_ids", orders), ("phone", phone), ("email", email)])
    handoff = Handoff(
        call_id=transcript.call_id,
        destination=transcript.destination,
        caller=Caller(
            name=cited_value(x["customer_name"], transcript) or _first(fields.names),
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
        risk_flags=[extracted(r, r.value, transcript) for r in x["risk_flags"]],
        workflow=None if workflow is None or intent is None else derived_value(workflow, intent),
        damage=damage,
        urgency=cited_value(x["urgency"], transcript),
        sentiment=cited_value(x["sentiment"], transcript),
        summary=x["summary"] or "",
        next_step=x["next_step"] or "",
        grounding=salvage_report(found),
        meta=meta.model_copy(
            update={
                "disagreements": [*meta.disagreements, *notes],
                "filled": [*meta.filled, *filled],
            }
        ),
        **parts,
    )
    return with_text_fills(handoff, found)


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

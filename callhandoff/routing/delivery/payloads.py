"""What is sent where: the action-ready handoff card and the Cloudcart / Cults payloads.

- Cloudcart is a subscriber (marketing) channel: `create_subscriber` and
  `update_subscribers` carry the subscriber's fields from the store, the safe
  lifecycle signals (product interest, return outcome, follow-up need) and the new
  values of safe changed fields only.
- Cults gets a record with `share_on_create` (also for updates: the record then
  lists the safe changes), after the `get_approved_origins` lookup that delivery
  performs first: the matched caller, the affected record, intent, urgency, owner,
  deadline date and the signals, with a templated one-line summary.
- Every payload that leaves passes through the allow-list of its action
  (`allowlist.py`): summaries, quotes, reasons, next steps and other free text never
  reach the outbox.
- A review decision gets the full card (summary, reasons, evidence quotes) plus the
  action that would be sent, for the reviewer; a skip sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from callhandoff.exceptions import UnknownDestinationError
from callhandoff.normalize import fold
from callhandoff.routing.delivery.allowlist import SAFE_CHANGE_FIELDS, allowed_payload
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.routing.policy.engine import Verdict
from callhandoff.routing.policy.file import Policy
from callhandoff.schema.enums import DecisionKind, Destination, RefundExpectation
from callhandoff.schema.handoff import Handoff, is_when_field
from callhandoff.schema.routing import DestinationAction
from callhandoff.schema.transcript import Transcript

REVIEW_ACTION = "review_queue"
NO_ACTION = "none"
APPROVED_ORIGINS = "get_approved_origins"

#: (destination, action) -> (HTTP method, path under the destination's base URL).
ENDPOINTS: dict[tuple[str, str], tuple[str, str]] = {
    ("cloudcart", "create_subscriber"): ("POST", "/subscribers"),
    ("cloudcart", "update_subscribers"): ("PATCH", "/subscribers"),
    ("cults", "share_on_create"): ("POST", "/shares"),
    ("cults", APPROVED_ORIGINS): ("GET", "/approved_origins"),
}


@dataclass(frozen=True)
class BuiltAction:
    """The schema action plus the old values an update replaces (for the dry-run diff)."""

    action: DestinationAction
    old_values: dict[str, Any] | None = None


_DESTINATIONS: Final = frozenset(destination.value for destination in Destination)


def destination_action_name(destination: Destination | str, kind: DecisionKind) -> str:
    """The destination action a decision maps to; raise on an unknown destination."""
    name = destination.value if isinstance(destination, Destination) else str(destination)
    if name not in _DESTINATIONS:
        raise UnknownDestinationError(name)
    if kind is DecisionKind.REVIEW:
        return REVIEW_ACTION
    if kind is DecisionKind.SKIP:
        return NO_ACTION
    if name == Destination.CLOUDCART.value:
        return "create_subscriber" if kind is DecisionKind.CREATE else "update_subscribers"
    return "share_on_create"


def idempotency_key(call_id: str, action: str, version: int) -> str:
    """`<call id>:<action>`, with `:v<n>` for the n-th transcript version after the first."""
    return f"{call_id}:{action}" if version <= 1 else f"{call_id}:{action}:v{version}"


def _old_on_record(field: str, outcome: MatchOutcome) -> str | None:
    """What the store holds today for a changed field, when the directory has it."""
    words = set(fold(field.replace("_", " ")).split())
    order, customer, booking = outcome.order, outcome.customer, outcome.booking
    if words & {"address", "shipping"} and order is not None:
        return order.shipping_address
    if "email" in words and customer is not None:
        return customer.email
    if "phone" in words and customer is not None:
        return customer.phone
    if words & {"date", "time", "slot", "appointment", "booking"} and booking is not None:
        return booking.starts_at.isoformat() if booking.starts_at else None
    if "status" in words and order is not None:
        return order.status
    return None


def changes(handoff: Handoff, outcome: MatchOutcome) -> list[dict[str, Any]]:
    """Field changes with the old value as the store holds it (else as the caller said it)."""
    result = []
    for change in handoff.field_changes:
        on_record = _old_on_record(change.field, outcome)
        read = change.new_value_as_read() if is_when_field(change.field) else None
        entry: dict[str, Any] = {
            "field": change.field,
            "old_value": on_record if on_record is not None else change.old_value,
            "new_value": read or change.new_value,
            "reason": change.reason,
        }
        if read is not None and read != change.new_value:
            entry["new_value_said"] = change.new_value
        elif is_when_field(change.field) and read is None:
            entry["unread"] = True  # a date or time the words did not name: not sent on
        result.append(entry)
    return result


def split_changes(
    handoff: Handoff, outcome: MatchOutcome
) -> tuple[list[dict[str, Any]], list[str]]:
    """The changes a marketing-type destination may receive (safe fields, named in snake
    case; a date or time only when it was read as one), and the names of the other
    changed fields, whose values stay here."""
    safe: list[dict[str, Any]] = []
    withheld: list[str] = []
    for change in changes(handoff, outcome):
        name = fold(change["field"]).replace(" ", "_")
        if name in SAFE_CHANGE_FIELDS and not change.pop("unread", False):
            safe.append({**change, "field": name})
        elif name and name not in withheld:
            withheld.append(name)
    return safe, sorted(withheld)


def _owner(handoff: Handoff, policy: Policy) -> str:
    if handoff.follow_up.owner is not None:
        return handoff.follow_up.owner.value
    if handoff.workflow_details.owner_suggestion is not None:
        return handoff.workflow_details.owner_suggestion.value
    intent = handoff.request.intent.value.value if handoff.request.intent else "other"
    return policy.owners.get(intent, "support")


def _quotes(handoff: Handoff) -> list[dict[str, Any]]:
    picks: list[tuple[str, Any]] = [
        ("intent", handoff.request.intent),
        ("order_id", handoff.records.order_id),
        ("booking_id", handoff.records.booking_id),
        ("deadline", handoff.exception.deadline),
        ("promise", handoff.follow_up.promise),
    ]
    quotes = [
        {"field": name, "turn": item.evidence.turn, "quote": item.evidence.quote}
        for name, item in picks
        if item is not None
    ]
    quotes += [
        {"field": f"change:{c.field}", "turn": c.evidence.turn, "quote": c.evidence.quote}
        for c in handoff.field_changes
    ]
    return quotes


def _store_of(outcome: MatchOutcome, transcript: Transcript | None) -> str | None:
    """The store the matched records belong to, else the one the transcript names."""
    for record in (outcome.order, outcome.booking, outcome.customer):
        if record is not None:
            return record.store
    return transcript.store if transcript is not None else None


def handoff_card(
    handoff: Handoff,
    transcript: Transcript | None,
    outcome: MatchOutcome,
    verdict: Verdict,
    policy: Policy,
) -> dict[str, Any]:
    """The action-ready handoff: caller, record, reason, urgency, owner, next step, evidence."""
    match, order, booking = outcome.match, outcome.order, outcome.booking
    record: dict[str, Any] | None = None
    if order is not None:
        record = {
            "type": "order",
            "id": order.order_id,
            "status": order.status,
            "skus": [item.sku for item in order.items],
        }
    elif booking is not None:
        record = {
            "type": "booking",
            "id": booking.booking_id,
            "status": booking.status,
            "starts_at": booking.starts_at.isoformat() if booking.starts_at else None,
        }
    elif outcome.products:
        record = {
            "type": "product",
            "id": sorted(outcome.products)[0],
            "skus": sorted(outcome.products),
        }
    name = (
        outcome.customer.name
        if outcome.customer
        else (handoff.caller.name.value if handoff.caller.name else None)
    )
    priority = handoff.priority
    deadline = handoff.exception.deadline
    links = transcript.links if transcript is not None else None
    return {
        "call_id": handoff.call_id,
        "destination": handoff.destination.value,
        "store": _store_of(outcome, transcript),
        "caller": {
            "matched": match.matched,
            "customer_id": match.customer_id,
            "name": name,
            "match_confidence": match.confidence,
            "match_method": match.method,
        },
        "record": record,
        "intent": handoff.request.intent.value.value if handoff.request.intent else None,
        "summary": handoff.summary,
        "decision": verdict.kind.value,
        "reasons": [r.model_dump() for r in verdict.reasons],
        "urgency": priority.level.value if priority else None,
        "priority_score": priority.score if priority else None,
        "owner": _owner(handoff, policy),
        "next_step": handoff.next_step or None,
        "deadline": None
        if deadline is None
        else {
            "text": deadline.value.text,
            "date": deadline.value.date.isoformat() if deadline.value.date else None,
        },
        "changes": changes(handoff, outcome),
        "evidence": {
            "call_id": handoff.call_id,
            "transcript": links.transcript if links else None,
            "recording": links.recording if links else None,
            "quotes": _quotes(handoff),
        },
    }


def _return_outcome(handoff: Handoff, intents: list[str]) -> str | None:
    expectation = handoff.exception.refund_expectation
    if expectation is not None and expectation.value in {
        RefundExpectation.EXCHANGE,
        RefundExpectation.REPLACEMENT,
    }:
        return "exchange_requested"
    if "refund" in intents:
        return "refund_requested"
    if "return_or_exchange" in intents:
        return "return_requested"
    return None


def subscriber_signals(
    handoff: Handoff, outcome: MatchOutcome, facts: dict[str, Any]
) -> dict[str, Any]:
    """Only the safe lifecycle signals: product interest, return outcome, follow-up need."""
    signals: dict[str, Any] = {}
    present = set(facts.get("lifecycle_signals", []))
    if "product_interest" in present:  # catalogue names only, never the caller's words
        signals["product_interest"] = sorted({p.name for p in outcome.products.values()})
    if "return_outcome" in present:
        signals["return_outcome"] = _return_outcome(handoff, list(facts.get("intents", [])))
    if "follow_up_need" in present:
        channel = handoff.follow_up.contact_channel
        signals["follow_up_needed"] = True
        signals["follow_up_channel"] = channel.value.value if channel else None
    return signals


def _subscriber(handoff: Handoff, outcome: MatchOutcome, facts: dict[str, Any]) -> dict[str, Any]:
    customer = outcome.customer
    subscriber: dict[str, Any] = {
        "customer_id": customer.customer_id if customer else None,
        "email": customer.email if customer else None,
        "name": customer.name if customer else None,
        "store": customer.store if customer else None,
        "signals": subscriber_signals(handoff, outcome, facts),
        "source": {"system": "callhandoff", "call_id": handoff.call_id},
    }
    if subscriber["email"] is None and customer is not None:
        subscriber["phone"] = customer.phone
    return subscriber


def build_action(
    handoff: Handoff,
    transcript: Transcript | None,
    outcome: MatchOutcome,
    verdict: Verdict,
    facts: dict[str, Any],
    policy: Policy,
) -> BuiltAction:
    """The destination action for this verdict (review and skip included)."""
    destination = handoff.destination
    if verdict.kind is DecisionKind.SKIP:
        return BuiltAction(DestinationAction(destination=destination, action=NO_ACTION))
    if verdict.kind is DecisionKind.REVIEW:
        card = handoff_card(handoff, transcript, outcome, verdict, policy)
        proposed = None
        if verdict.proposed is not None:
            inner = _send_action(
                handoff, transcript, outcome, verdict, facts, policy, verdict.proposed
            )
            proposed = {"action": inner.action.action, "payload": inner.action.payload}
        lookups = [APPROVED_ORIGINS] if destination is Destination.CULTS else []
        return BuiltAction(
            DestinationAction(
                destination=destination,
                action=REVIEW_ACTION,
                payload={"card": card, "proposed": proposed},
                lookups=lookups,
            )
        )
    return _send_action(handoff, transcript, outcome, verdict, facts, policy, verdict.kind)


def _send_action(
    handoff: Handoff,
    transcript: Transcript | None,
    outcome: MatchOutcome,
    verdict: Verdict,
    facts: dict[str, Any],
    policy: Policy,
    kind: DecisionKind,
) -> BuiltAction:
    destination = handoff.destination
    name = destination_action_name(destination, kind)
    safe, withheld = split_changes(handoff, outcome)
    old = {c["field"]: c["old_value"] for c in safe} if kind is DecisionKind.UPDATE else None
    if destination is Destination.CULTS:
        record = {
            **handoff_card(handoff, transcript, outcome, verdict, policy),
            "signals": subscriber_signals(handoff, outcome, facts),
            "changes": safe,
            "other_changed_fields": withheld,
        }
        payload = {"origin": record["store"], "kind": kind.value, "record": record}
        lookups = [APPROVED_ORIGINS]
    else:
        subscriber = _subscriber(handoff, outcome, facts)
        if kind is DecisionKind.CREATE:
            payload = {"subscriber": subscriber}
        else:
            subscriber["changes"] = {c["field"]: c["new_value"] for c in safe}
            if withheld:
                subscriber["other_changed_fields"] = withheld
            payload = {"subscribers": [subscriber]}
        lookups = []
    return BuiltAction(
        DestinationAction(
            destination=destination,
            action=name,
            payload=allowed_payload(destination.value, name, payload),
            lookups=lookups,
        ),
        old,
    )

"""What the caller said that can identify a record, pulled out of a grounded handoff."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from callhandoff.normalize import email_key, id_key, phone_e164
from callhandoff.schema.handoff import Extracted, Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.store.lookup import Wanted

#: Handoff paths whose drop by the grounding check lowers the match confidence.
IDENTIFIER_PATHS = (
    "caller.phone",
    "caller.email",
    "caller.customer_id",
    "caller.name",
    "records.order_id",
    "records.other_order_ids",
    "records.booking_id",
    "records.product_skus",
)


@dataclass(frozen=True)
class SaidValue:
    """One identifier as said, with the extraction's confidence in it."""

    value: str
    confidence: float


@dataclass
class Said:
    """Everything in the call that can point at a customer, order, booking or product."""

    order_ids: list[SaidValue] = field(default_factory=list)
    booking_id: SaidValue | None = None
    customer_id: SaidValue | None = None
    phone: SaidValue | None = None
    email: SaidValue | None = None
    name: SaidValue | None = None
    caller_id: str | None = None
    skus: list[str] = field(default_factory=list)
    product_names: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def identifies_anyone(self) -> bool:
        """True when the call carries any identifier at all (caller ID included)."""
        return bool(
            self.order_ids
            or self.booking_id
            or self.customer_id
            or self.phone
            or self.email
            or self.name
            or self.caller_id
        )


def _value(item: Extracted[str] | None) -> SaidValue | None:
    if item is None or not item.value.strip():
        return None
    return SaidValue(item.value.strip(), item.confidence)


def said_in(handoff: Handoff, transcript: Transcript | None, regions: Sequence[str]) -> Said:
    """The identifiers of `handoff` in canonical form (E.164 phones, lower-case emails)."""
    caller, records = handoff.caller, handoff.records
    said = Said()
    for item in [records.order_id, *records.other_order_ids]:
        value = _value(item)
        if value is not None and value.value not in {v.value for v in said.order_ids}:
            said.order_ids.append(value)
    said.booking_id = _value(records.booking_id)
    said.customer_id = _value(caller.customer_id)
    said.name = _value(caller.name)
    phone = _value(caller.phone)
    if phone is not None:
        e164 = phone_e164(phone.value, regions)
        said.phone = SaidValue(e164, phone.confidence) if e164 else None
    email = _value(caller.email)
    if email is not None:
        normalised = email_key(email.value)
        said.email = SaidValue(normalised, email.confidence) if normalised else None
    if transcript is not None and transcript.caller_phone:
        said.caller_id = phone_e164(transcript.caller_phone, regions)
    said.skus = [s.value.strip() for s in records.product_skus if s.value.strip()]
    said.product_names = [p.value.strip() for p in records.product_names if p.value.strip()]
    said.dropped = sorted(
        {
            drop.field.split("[")[0]
            for drop in handoff.grounding.dropped
            if drop.field.split("[")[0] in IDENTIFIER_PATHS
        }
    )
    return said


def wanted(calls: Iterable[tuple[str, Said]]) -> Wanted:
    """Every directory read the matcher may make for these (destination, said) calls."""
    reads = Wanted()
    for destination, said in calls:
        reads.orders.update((destination, value.value) for value in said.order_ids)
        if said.customer_id is not None:
            reads.customers.add(said.customer_id.value)
        for phone in (said.phone.value if said.phone else None, said.caller_id):
            if phone:
                reads.phones.add((destination, phone))
        if said.email is not None:
            reads.emails.add((destination, said.email.value))
        reads.products.update((destination, id_key(sku)) for sku in said.skus)
    return reads

"""The matcher's result, shared by matching, the checks, facts and payloads (its settings are
the policy's `matching:` block, `callhandoff.routing.policy.matching`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from callhandoff.routing.said import Said
from callhandoff.schema.enums import Intent
from callhandoff.schema.routing import RecordMatch
from callhandoff.store.records import BookingRecord, CustomerRecord, OrderRecord, ProductRecord

RETURN_INTENTS = {Intent.RETURN_OR_EXCHANGE, Intent.REFUND}
PRODUCT_INTENTS = {Intent.PRODUCT_INQUIRY, Intent.PURCHASE_INTENT}
CLOSED_STATUSES = {"delivered", "cancelled", "canceled", "returned", "refunded"}


@dataclass
class MatchOutcome:
    """The schema-level `RecordMatch` plus the records themselves, for the policy and payloads."""

    match: RecordMatch
    said: Said
    customer: CustomerRecord | None = None
    order: OrderRecord | None = None
    booking: BookingRecord | None = None
    products: dict[str, ProductRecord] = field(default_factory=dict)
    return_window_days: int | None = None
    return_window_ends: datetime | None = None
    related_order: OrderRecord | None = field(
        default=None,
        metadata={"doc": "For a booking: the customer's newest undelivered order it serves."},
    )

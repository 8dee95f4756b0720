"""Store-aware checks on a match: the store called, the return window, stock.

Run after the records are found; each check adds a finding code the policy can
test (`return_window_open`, `return_window_closed`, `not_returnable`,
`out_of_stock`, `store_mismatch`). The return window starts at delivery (or
purchase) and lasts the smallest `return_window_days` of the items concerned;
an order not yet delivered is still inside its window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from callhandoff.normalize import fold, id_key
from callhandoff.routing.match_types import PRODUCT_INTENTS, RETURN_INTENTS, MatchOutcome
from callhandoff.schema.enums import Intent
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript


def _intents(handoff: Handoff) -> set[Intent]:
    intents = {item.value for item in handoff.request.secondary_intents}
    if handoff.request.intent is not None:
        intents.add(handoff.request.intent.value)
    return intents


def _return_window(outcome: MatchOutcome, reference: datetime) -> str | None:
    """open / closed / not returnable for the matched order, or None when unknown."""
    order = outcome.order
    if order is None:
        return None
    said_keys = {id_key(sku) for sku in outcome.said.skus}
    items = [i for i in order.items if i.sku_key in said_keys] or list(order.items)
    by_key = {id_key(p.sku): p for p in outcome.products.values()}
    windows = [
        product.return_window_days
        for item in items
        if (product := by_key.get(item.sku_key)) is not None
        and product.return_window_days is not None
    ]
    if not windows:
        return None
    days = min(windows)
    outcome.return_window_days = days
    if days == 0:
        return "not_returnable"
    start = order.delivered_at or order.purchased_at
    if order.delivered_at is None or start is None:
        return "return_window_open"
    outcome.return_window_ends = start + timedelta(days=days)
    return (
        "return_window_closed" if reference > outcome.return_window_ends else "return_window_open"
    )


def store_findings(
    handoff: Handoff, transcript: Transcript | None, reference: datetime, outcome: MatchOutcome
) -> list[str]:
    """The findings of the store-aware checks for this match (fills the window fields)."""
    findings: list[str] = []
    intents = _intents(handoff)
    record = next((r for r in (outcome.order, outcome.booking, outcome.customer) if r), None)
    if (
        transcript is not None
        and transcript.store
        and record is not None
        and fold(transcript.store) != fold(record.store)
    ):
        findings.append("store_mismatch")
    if intents & RETURN_INTENTS or handoff.exception.return_reason is not None:
        window = _return_window(outcome, reference)
        if window is not None:
            findings.append(window)
    if intents & PRODUCT_INTENTS and any(p.stock == 0 for p in outcome.products.values()):
        findings.append("out_of_stock")
    return findings

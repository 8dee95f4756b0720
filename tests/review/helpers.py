"""Building a review service on the test store, and reading back what it stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from callhandoff.review.service import ReviewService
from callhandoff.settings import Settings
from callhandoff.store import review_queue
from callhandoff.store.db import open_store
from callhandoff.store.tables import decisions, outbox, review_actions, review_items


def service(url: str, clock: Any = None) -> ReviewService:
    """A review service on `url` with the default policy."""
    settings = Settings(database_url=url)
    if clock is None:
        return ReviewService(open_store(url), settings)
    return ReviewService(open_store(url), settings, clock=clock)


def item_of(svc: ReviewService, call_id: str) -> int:
    """The open review item of a call."""
    found = review_queue.open_item_of(svc.engine, call_id)
    assert found is not None, f"{call_id} is not awaiting review"
    return found


def rows(svc: ReviewService, table: sa.Table, call_id: str) -> list[dict[str, Any]]:
    """Every row of `table` for one call, oldest first."""
    with svc.engine.connect() as connection:
        found = connection.execute(
            sa.select(table).where(table.c.call_id == call_id).order_by(table.c.id)
        ).mappings()
        return [dict(row) for row in found]


def outbox_rows(svc: ReviewService, call_id: str) -> list[dict[str, Any]]:
    """The call's outbox rows."""
    return rows(svc, outbox, call_id)


def audit_rows(svc: ReviewService, call_id: str) -> list[dict[str, Any]]:
    """The call's audit rows."""
    return rows(svc, review_actions, call_id)


def item_row(svc: ReviewService, call_id: str) -> dict[str, Any]:
    """The call's (latest) review item."""
    return rows(svc, review_items, call_id)[-1]


def latest_decision(svc: ReviewService, call_id: str) -> dict[str, Any]:
    """The call's newest decision row."""
    return rows(svc, decisions, call_id)[-1]


NOW = datetime.now(UTC)

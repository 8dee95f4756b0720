"""The review queue: what is waiting, filtered, counted, paged; claims; one item's context.

Every query on `review_items` and `review_item_reasons` for reading the queue is
here (the actions that resolve an item are in `callhandoff.store.review_log`).
The queue sorts by the computed priority (highest first), then by age (oldest
first); filters and counts run on indexed columns, never on JSON, so a queue of
tens of thousands of items pages in milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.sql.elements import ColumnElement

from callhandoff.exceptions import NotFoundError
from callhandoff.normalize import search_keys
from callhandoff.store.rows import CallRow, DecisionRow, ReviewRow, ReviewState
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    review_item_reasons,
    review_items,
    transcript_versions,
)
from callhandoff.store.writes import CALLER_KEYS, RECORD_KEYS


@dataclass(frozen=True)
class QueueColumns:
    """The columns the queue sorts and filters an item by, computed when it is queued."""

    priority_score: int
    intent: str | None
    search_text: str


def _value(node: Any) -> str | None:
    """The `value` of an extracted-value JSON object, as text."""
    if isinstance(node, Mapping) and node.get("value") is not None:
        return str(node["value"])
    return None


def queue_columns(
    call_id: str,
    handoff: Mapping[str, Any],
    match: Mapping[str, Any] | None,
    priority: Mapping[str, Any] | None,
    payload: Mapping[str, Any] | None,
) -> QueueColumns:
    """Priority score, primary intent and the searchable text (call id, caller, order ids).

    `handoff` needs only the parts `store.writes.QUEUE_KEYS` names."""
    caller = handoff.get("caller") or {}
    records = handoff.get("records") or {}
    said = [
        call_id,
        *(_value(caller.get(name)) for name in CALLER_KEYS),
        *(_value(records.get(name)) for name in RECORD_KEYS),
        *(_value(node) for node in records.get("other_order_ids") or []),
    ]
    match = match or {}
    card = (payload or {}).get("card") or {}
    on_record = [match.get(name) for name in ("customer_id", "order_id", "booking_id")]
    on_record.append((card.get("caller") or {}).get("name"))
    keys: list[str] = []
    for text in [*said, *on_record]:
        if text:
            keys.extend(search_keys(str(text)))
    intent = _value((handoff.get("request") or {}).get("intent"))
    score = (priority or {}).get("score")
    return QueueColumns(
        priority_score=int(score) if isinstance(score, int | float) else 0,
        intent=intent,
        search_text=" | ".join(dict.fromkeys(keys)),
    )


@dataclass(frozen=True)
class QueueFilter:
    """Which open items to show. Every field is optional; None means no restriction."""

    reason: str | None = None
    destination: str | None = None
    urgency: str | None = None
    intent: str | None = None
    older_than: timedelta | None = None
    newer_than: timedelta | None = None
    text: str | None = None


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    id: int
    call_id: str
    destination: str
    urgency: str
    priority_score: int
    intent: str | None
    reason_codes: list[str]
    created_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    version: int
    caller: str | None
    summary: str | None


@dataclass(frozen=True)
class QueueCounts:
    """How many open items match, by reason code, destination and urgency."""

    total: int
    by_reason: dict[str, int]
    by_destination: dict[str, int]
    by_urgency: dict[str, int]


@dataclass(frozen=True)
class ItemContext:
    """One review item with what the call's page shows: the decision, transcript, handoff."""

    item: ReviewRow
    call: CallRow
    decision: DecisionRow
    transcript: dict[str, Any]
    handoff: dict[str, Any]
    transcript_version: int
    purged_at: datetime | None = None  # when `callhandoff purge` removed the call's words


def _conditions(wanted: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [review_items.c.state == ReviewState.OPEN]
    if wanted.reason:
        found.append(
            review_items.c.id.in_(
                sa.select(review_item_reasons.c.item_id).where(
                    review_item_reasons.c.code == wanted.reason
                )
            )
        )
    if wanted.destination:
        found.append(review_items.c.destination == wanted.destination)
    if wanted.urgency:
        found.append(review_items.c.urgency == wanted.urgency)
    if wanted.intent:
        found.append(review_items.c.intent == wanted.intent)
    if wanted.older_than is not None:
        found.append(review_items.c.created_at <= now - wanted.older_than)
    if wanted.newer_than is not None:
        found.append(review_items.c.created_at >= now - wanted.newer_than)
    keys = search_keys(wanted.text) if wanted.text else []
    if keys:
        found.append(sa.or_(*(review_items.c.search_text.contains(key) for key in keys)))
    return found


_ORDER = (
    review_items.c.priority_score.desc(),
    review_items.c.created_at,
    review_items.c.id,
)


def counts(engine: Engine, wanted: QueueFilter, now: datetime) -> QueueCounts:
    """Open items matching `wanted`, in total and by reason code, destination and urgency."""
    where = _conditions(wanted, now)
    with engine.connect() as connection:
        total = int(
            connection.execute(
                sa.select(sa.func.count()).select_from(review_items).where(*where)
            ).scalar_one()
        )
        by_reason = connection.execute(
            sa.select(review_item_reasons.c.code, sa.func.count())
            .join(review_items, review_items.c.id == review_item_reasons.c.item_id)
            .where(*where)
            .group_by(review_item_reasons.c.code)
        ).all()
        grouped = {
            column.name: connection.execute(
                sa.select(column, sa.func.count()).where(*where).group_by(column)
            ).all()
            for column in (review_items.c.destination, review_items.c.urgency)
        }
    return QueueCounts(
        total=total,
        by_reason=_sorted_counts(by_reason),
        by_destination=_sorted_counts(grouped["destination"]),
        by_urgency=_sorted_counts(grouped["urgency"]),
    )


def _sorted_counts(rows: Collection[Any]) -> dict[str, int]:
    pairs = [(str(key), int(n)) for key, n in rows]
    return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))


def page(
    engine: Engine, wanted: QueueFilter, now: datetime, *, number: int, size: int
) -> list[QueueRow]:
    """Page `number` (0-based) of the open items matching `wanted`, in queue order."""
    query = (
        sa.select(review_items, decisions.c.action)
        .join(decisions, decisions.c.id == review_items.c.decision_id)
        .where(*_conditions(wanted, now))
        .order_by(*_ORDER)
        .limit(size)
        .offset(max(number, 0) * size)
    )
    with engine.connect() as connection:
        return [_queue_row(row) for row in connection.execute(query).mappings()]


def _queue_row(row: RowMapping) -> QueueRow:
    card = ((row["action"] or {}).get("payload") or {}).get("card") or {}
    return QueueRow(
        id=row["id"],
        call_id=row["call_id"],
        destination=row["destination"],
        urgency=row["urgency"],
        priority_score=row["priority_score"],
        intent=row["intent"],
        reason_codes=list(row["reason_codes"]),
        created_at=row["created_at"],
        claimed_by=row["claimed_by"],
        claimed_until=row["claimed_until"],
        version=row["version"],
        caller=(card.get("caller") or {}).get("name"),
        summary=card.get("summary"),
    )


def next_open(
    engine: Engine,
    wanted: QueueFilter,
    reviewer: str,
    now: datetime,
    *,
    exclude: Collection[int] = (),
) -> int | None:
    """The first open item in queue order that nobody else holds (and not in `exclude`)."""
    free = sa.or_(
        review_items.c.claimed_by.is_(None),
        review_items.c.claimed_by == reviewer,
        review_items.c.claimed_until.is_(None),
        review_items.c.claimed_until <= now,
    )
    query = sa.select(review_items.c.id).where(*_conditions(wanted, now), free)
    if exclude:
        query = query.where(review_items.c.id.not_in(list(exclude)))
    with engine.connect() as connection:
        found = connection.execute(query.order_by(*_ORDER).limit(1)).scalar()
    return int(found) if found is not None else None


def _item(connection: sa.Connection, item_id: int) -> ReviewRow:
    row = (
        connection.execute(sa.select(review_items).where(review_items.c.id == item_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFoundError(f"no review item #{item_id} in the store")
    return ReviewRow.from_row(row)


def item(engine: Engine, item_id: int) -> ReviewRow:
    """One review item, whatever its state."""
    with engine.connect() as connection:
        return _item(connection, item_id)


def open_item_of(engine: Engine, call_id: str) -> int | None:
    """The open review item of a call, if it has one."""
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(review_items.c.id).where(
                review_items.c.call_id == call_id, review_items.c.state == ReviewState.OPEN
            )
        ).scalar()
    return int(found) if found is not None else None


def claim(engine: Engine, item_id: int, reviewer: str, now: datetime, until: datetime) -> ReviewRow:
    """Hold an open item for `reviewer` until `until`, unless someone else holds it now.

    Returns the item as it is afterwards: `held_by_other(reviewer, now)` says who
    holds it when the claim did not take. A claim does not change the item's version.
    """
    with engine.begin() as connection:
        connection.execute(
            sa.update(review_items)
            .where(
                review_items.c.id == item_id,
                review_items.c.state == ReviewState.OPEN,
                sa.or_(
                    review_items.c.claimed_by.is_(None),
                    review_items.c.claimed_by == reviewer,
                    review_items.c.claimed_until.is_(None),
                    review_items.c.claimed_until <= now,
                ),
            )
            .values(claimed_by=reviewer, claimed_until=until)
        )
        return _item(connection, item_id)


def release(engine: Engine, item_id: int, reviewer: str) -> None:
    """Let go of an item `reviewer` holds (nothing happens if someone else holds it)."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(review_items)
            .where(review_items.c.id == item_id, review_items.c.claimed_by == reviewer)
            .values(claimed_by=None, claimed_until=None)
        )


def context(engine: Engine, item_id: int) -> ItemContext:
    """The item, its call, the decision that queued it, the transcript and the handoff."""
    with engine.connect() as connection:
        review = _item(connection, item_id)
        call = connection.execute(sa.select(calls).where(calls.c.call_id == review.call_id))
        decision = connection.execute(
            sa.select(decisions).where(decisions.c.id == review.decision_id)
        )
        version = connection.execute(
            sa.select(
                transcript_versions.c.transcript,
                transcript_versions.c.version,
                transcript_versions.c.purged_at,
            ).where(transcript_versions.c.id == review.version_id)
        ).one()
        handoff = connection.execute(
            sa.select(extractions.c.handoff).where(extractions.c.version_id == review.version_id)
        ).scalar()
        return ItemContext(
            item=review,
            call=CallRow.from_row(call.mappings().one()),
            decision=DecisionRow.from_row(decision.mappings().one()),
            transcript=dict(version.transcript),
            handoff=dict(handoff or {}),
            transcript_version=int(version.version),
            purged_at=version.purged_at,
        )

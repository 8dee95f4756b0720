"""Outbox rows as the deliverers and `callhandoff outbox` see them, and their state changes.

A deliverer never sends a row it has not claimed: `claim_due` gives a batch of
due rows a lease (owner + expiry) in one statement — `FOR UPDATE SKIP LOCKED` on
PostgreSQL, a conditional UPDATE under SQLite's single writer — so any number of
deliverers on any number of machines never hold one row at once. Each state
change after that is its own short transaction and only counts while the lease is
still the deliverer's, so a deliverer killed at any moment leaves every row either
pending (its lease runs out and another deliverer sends it again with the same
Idempotency-Key) or sent.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.store.db import picked
from callhandoff.store.rows import OutboxRow, OutboxState
from callhandoff.store.tables import outbox, outbox_attempts


def list_rows(
    engine: Engine, state: OutboxState | None = None, limit: int = 100
) -> list[OutboxRow]:
    """Outbox rows, oldest first, optionally in one state."""
    query = sa.select(outbox).order_by(outbox.c.id).limit(limit)
    if state is not None:
        query = query.where(outbox.c.state == state)
    with engine.connect() as connection:
        return [OutboxRow.from_row(r) for r in connection.execute(query).mappings()]


def rows_for_call(engine: Engine, call_id: str) -> list[OutboxRow]:
    """Every outbox row of one call, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox).where(outbox.c.call_id == call_id).order_by(outbox.c.id)
        ).mappings()
        return [OutboxRow.from_row(r) for r in rows]


def counts(engine: Engine) -> dict[OutboxState, int]:
    """Rows per state (every state, zero when it has none)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)
        )
        found = {OutboxState(state): int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in OutboxState}


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Pending, its next attempt due, and nobody holding a live lease on it."""
    return sa.and_(
        outbox.c.state == OutboxState.PENDING,
        sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
        sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now),
    )


def due(
    engine: Engine,
    now: datetime,
    limit: int | None = None,
    destinations: Collection[str] | None = None,
) -> list[OutboxRow]:
    """Pending rows whose next attempt is due and that nobody holds, oldest first."""
    query = sa.select(outbox).where(_due(now)).order_by(outbox.c.id)
    if destinations is not None:
        query = query.where(outbox.c.destination.in_(list(destinations)))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [OutboxRow.from_row(r) for r in connection.execute(query).mappings()]


def claim_due(
    engine: Engine,
    owner: str,
    now: datetime,
    *,
    lease_s: float,
    limit: int,
    destinations: Collection[str],
) -> list[OutboxRow]:
    """Lease up to `limit` due rows of `destinations` to `owner`, oldest first.

    One statement: the rows another deliverer holds (or is claiming right now) are
    skipped, never shared.
    """
    if limit <= 0 or not destinations:
        return []
    candidates = (
        sa.select(outbox.c.id)
        .where(_due(now), outbox.c.destination.in_(list(destinations)))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    claim = (
        sa.update(outbox)
        .where(outbox.c.id.in_(picked(candidates, engine.dialect)), _due(now))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_s))
        .returning(*outbox.c)
    )
    with engine.begin() as connection:
        rows = [OutboxRow.from_row(r) for r in connection.execute(claim).mappings()]
    return sorted(rows, key=lambda row: row.id)


def _held(row_id: int, owner: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        outbox.c.id == row_id,
        outbox.c.state == OutboxState.PENDING,
        outbox.c.lease_owner == owner,
    )


def renew(
    engine: Engine, row_id: int, owner: str, now: datetime, lease_s: float
) -> OutboxRow | None:
    """Extend `owner`'s lease on a row about to be sent and return the row as it is now.

    None when the row is no longer pending (sent, superseded) or the lease ran out
    and may have been taken over: then it must not be sent.
    """
    with engine.begin() as connection:
        row = (
            connection.execute(
                sa.update(outbox)
                .where(_held(row_id, owner), outbox.c.lease_until > now)
                .values(lease_until=now + timedelta(seconds=lease_s))
                .returning(*outbox.c)
            )
            .mappings()
            .first()
        )
    return OutboxRow.from_row(row) if row is not None else None


def release(engine: Engine, row_ids: Sequence[int], owner: str, now: datetime) -> None:
    """Give leased rows back untouched (their destination paused, or the deliverer stops)."""
    if not row_ids:
        return
    with engine.begin() as connection:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(list(row_ids)), outbox.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, updated_at=now)
        )


def record_attempt(
    engine: Engine,
    row: OutboxRow,
    *,
    owner: str,
    attempt: int,
    now: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: float,
    outcome: OutboxState,
    next_attempt_at: datetime | None = None,
) -> bool:
    """Log one attempt and move the row to `outcome` (pending, sent or dead); free its lease.

    False when the lease was no longer `owner`'s (the row was taken over): the
    attempt is still logged, the row is left as the new holder has it.
    """
    if outcome is OutboxState.SUPERSEDED:
        raise ValueError("a delivery attempt cannot supersede a row")
    values: dict[str, Any] = {
        "attempts": attempt,
        "last_status": status_code,
        "last_error": error,
        "updated_at": now,
        "state": outcome,
        "next_attempt_at": next_attempt_at,
        "lease_owner": None,
        "lease_until": None,
    }
    if outcome is OutboxState.SENT:
        values["sent_at"] = now
    with engine.begin() as connection:
        connection.execute(
            sa.insert(outbox_attempts).values(
                outbox_id=row.id,
                attempt=attempt,
                at=now,
                status_code=status_code,
                error=error,
                duration_ms=duration_ms,
            )
        )
        updated = connection.execute(sa.update(outbox).where(_held(row.id, owner)).values(**values))
    return bool(updated.rowcount)


def requeue(
    engine: Engine, now: datetime, *, keys: Sequence[str] = (), dead: bool = False
) -> list[str]:
    """Make rows due again at once: the given keys (pending or dead), or every dead row.

    The attempt count starts over, so a requeued row gets the whole backoff again.
    Sent and superseded rows, and rows a deliverer is sending right now, are never
    requeued. Returns the keys requeued.
    """
    states = [OutboxState.DEAD] if dead else [OutboxState.DEAD, OutboxState.PENDING]
    free = sa.or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now)
    where = [outbox.c.state.in_(states), free]
    if keys:
        where.append(outbox.c.idempotency_key.in_(list(keys)))
    elif not dead:
        return []
    with engine.begin() as connection:
        found = list(
            connection.execute(
                sa.select(outbox.c.idempotency_key).where(*where).order_by(outbox.c.id)
            ).scalars()
        )
        if found:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.idempotency_key.in_(found))
                .values(
                    state=OutboxState.PENDING,
                    attempts=0,
                    next_attempt_at=None,
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
    return found

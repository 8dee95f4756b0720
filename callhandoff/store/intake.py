"""Calls received by webhook (`inbound_calls`): written before the answer, claimed, finished.

A call's life: received → processing (a worker holds a lease) → done, or failed
after `max_attempts` tries. A worker that dies leaves its call in processing; once
the lease runs out any worker may claim it again. The webhook id is unique, so a
replayed delivery finds the first answer instead of a second call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.store.db import picked
from callhandoff.store.tables import inbound_calls


class IntakeState(StrEnum):
    """Where a received call is."""

    RECEIVED = "received"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class IntakeRow:
    """One `inbound_calls` row."""

    id: int
    webhook_id: str
    call_id: str
    state: IntakeState
    transcript: dict[str, Any]
    content_hash: str
    response: dict[str, Any]
    attempts: int
    lease_owner: str | None
    lease_until: datetime | None
    published_at: datetime | None
    error: str | None
    received_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.RowMapping) -> IntakeRow:
        """Build from an `inbound_calls` row mapping."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["state"] = IntakeState(values["state"])
        return cls(**values)


def receive(
    engine: Engine,
    *,
    webhook_id: str,
    call_id: str,
    transcript: dict[str, Any],
    content_hash: str,
    response: dict[str, Any],
    now: datetime,
) -> tuple[IntakeRow, bool]:
    """Store a received call (committed on return); `(row, False)` for a replayed webhook id."""
    try:
        with engine.begin() as connection:
            row = (
                connection.execute(
                    sa.insert(inbound_calls)
                    .values(
                        webhook_id=webhook_id,
                        call_id=call_id,
                        state=IntakeState.RECEIVED,
                        transcript=transcript,
                        content_hash=content_hash,
                        response=response,
                        attempts=0,
                        received_at=now,
                        updated_at=now,
                    )
                    .returning(*inbound_calls.c)
                )
                .mappings()
                .one()
            )
        return IntakeRow.from_row(row), True
    except sa.exc.IntegrityError:
        first = by_webhook_id(engine, webhook_id)
        if first is None:
            raise
        return first, False


def by_webhook_id(engine: Engine, webhook_id: str) -> IntakeRow | None:
    """The call a webhook id delivered, if any."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                sa.select(inbound_calls).where(inbound_calls.c.webhook_id == webhook_id)
            )
            .mappings()
            .first()
        )
    return IntakeRow.from_row(row) if row is not None else None


def latest_for_call(engine: Engine, call_id: str) -> IntakeRow | None:
    """The most recent webhook delivery of a call ID."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                sa.select(inbound_calls)
                .where(inbound_calls.c.call_id == call_id)
                .order_by(inbound_calls.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    return IntakeRow.from_row(row) if row is not None else None


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Received, or processing under a lease that ran out (its worker died)."""
    return sa.or_(
        inbound_calls.c.state == IntakeState.RECEIVED,
        sa.and_(
            inbound_calls.c.state == IntakeState.PROCESSING,
            inbound_calls.c.lease_until <= now,
        ),
    )


def claim(
    engine: Engine,
    owner: str,
    now: datetime,
    *,
    lease_s: float,
    limit: int,
    ids: Sequence[int] | None = None,
) -> list[IntakeRow]:
    """Lease up to `limit` claimable calls (oldest first, or just `ids`) to `owner`.

    One statement, like the outbox claim: two workers never hold one call. Named
    calls (a task's own call) wait for a row another transaction holds rather than
    skip it, so a task never comes back empty-handed while its call is claimable.
    """
    candidates = sa.select(inbound_calls.c.id).where(_claimable(now))
    if ids is not None:
        candidates = candidates.where(inbound_calls.c.id.in_(list(ids)))
    candidates = candidates.order_by(inbound_calls.c.id).limit(limit)
    statement = (
        sa.update(inbound_calls)
        .where(
            inbound_calls.c.id.in_(picked(candidates, engine.dialect, skip_locked=ids is None)),
            _claimable(now),
        )
        .values(
            state=IntakeState.PROCESSING,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=inbound_calls.c.attempts + 1,
            updated_at=now,
        )
        .returning(*inbound_calls.c)
    )
    with engine.begin() as connection:
        rows = [IntakeRow.from_row(r) for r in connection.execute(statement).mappings()]
    return sorted(rows, key=lambda row: row.id)


def _held(ids: Sequence[int], owner: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        inbound_calls.c.id.in_(list(ids)),
        inbound_calls.c.state == IntakeState.PROCESSING,
        inbound_calls.c.lease_owner == owner,
    )


def finish(engine: Engine, ids: Sequence[int], owner: str, now: datetime) -> int:
    """Mark calls `owner` processed as done; how many were still `owner`'s."""
    if not ids:
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            sa.update(inbound_calls)
            .where(_held(ids, owner))
            .values(
                state=IntakeState.DONE,
                lease_owner=None,
                lease_until=None,
                error=None,
                updated_at=now,
            )
        )
    return int(result.rowcount)


def give_back(
    engine: Engine,
    ids: Sequence[int],
    owner: str,
    now: datetime,
    *,
    error: str,
    max_attempts: int,
) -> None:
    """Processing failed: back to received for another try, or failed after `max_attempts`."""
    if not ids:
        return
    with engine.begin() as connection:
        connection.execute(
            sa.update(inbound_calls)
            .where(_held(ids, owner))
            .values(
                state=sa.case(
                    (inbound_calls.c.attempts >= max_attempts, IntakeState.FAILED),
                    else_=IntakeState.RECEIVED,
                ),
                lease_owner=None,
                lease_until=None,
                error=error[:2000],
                updated_at=now,
            )
        )


def mark_published(engine: Engine, ids: Sequence[int], now: datetime) -> None:
    """Record that a task was published for these calls."""
    if not ids:
        return
    with engine.begin() as connection:
        connection.execute(
            sa.update(inbound_calls)
            .where(inbound_calls.c.id.in_(list(ids)))
            .values(published_at=now)
        )


def needing_publish(
    engine: Engine, now: datetime, *, republish_after_s: float, limit: int = 1_000
) -> list[int]:
    """Calls with no live task: never published, published long ago, or orphaned by a worker.

    A received call published more than `republish_after_s` ago was most likely
    lost with a broker or a worker; a second task for it is harmless (the claim
    lets one through).
    """
    stale = now - timedelta(seconds=republish_after_s)
    query = (
        sa.select(inbound_calls.c.id)
        .where(
            sa.or_(
                sa.and_(
                    inbound_calls.c.state == IntakeState.RECEIVED,
                    sa.or_(
                        inbound_calls.c.published_at.is_(None),
                        inbound_calls.c.published_at <= stale,
                    ),
                ),
                sa.and_(
                    inbound_calls.c.state == IntakeState.PROCESSING,
                    inbound_calls.c.lease_until <= now,
                ),
            )
        )
        .order_by(inbound_calls.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [int(i) for i in connection.execute(query).scalars()]


def fail_exhausted(engine: Engine, now: datetime, max_attempts: int) -> int:
    """Calls whose worker died `max_attempts` times become failed (not claimed forever)."""
    with engine.begin() as connection:
        result = connection.execute(
            sa.update(inbound_calls)
            .where(
                inbound_calls.c.state == IntakeState.PROCESSING,
                inbound_calls.c.lease_until <= now,
                inbound_calls.c.attempts >= max_attempts,
            )
            .values(
                state=IntakeState.FAILED,
                lease_owner=None,
                lease_until=None,
                error="the worker stopped before finishing, on every attempt",
                updated_at=now,
            )
        )
    return int(result.rowcount)


def counts(engine: Engine) -> dict[IntakeState, int]:
    """Received calls per state (every state, zero when it has none)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(inbound_calls.c.state, sa.func.count()).group_by(inbound_calls.c.state)
        )
        found = {IntakeState(state): int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in IntakeState}


def processing_owners(engine: Engine) -> list[str]:
    """Lease owners of the calls in processing."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(inbound_calls.c.lease_owner)
            .where(inbound_calls.c.state == IntakeState.PROCESSING)
            .distinct()
        )
        return [str(owner) for owner in rows.scalars() if owner is not None]


def release_owner(engine: Engine, owner: str, now: datetime) -> int:
    """Put a dead worker's calls back to received at once (instead of waiting for the lease)."""
    with engine.begin() as connection:
        result = connection.execute(
            sa.update(inbound_calls)
            .where(
                inbound_calls.c.state == IntakeState.PROCESSING,
                inbound_calls.c.lease_owner == owner,
            )
            .values(state=IntakeState.RECEIVED, lease_owner=None, lease_until=None, updated_at=now)
        )
    return int(result.rowcount)

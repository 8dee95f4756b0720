"""Outbox rows as the deliverer and `callhandoff outbox` see them, and their state changes.

Each state change is its own short transaction, so a deliverer killed at any
moment leaves every row either still pending (it will be sent again with the
same Idempotency-Key) or marked sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

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


def due(engine: Engine, now: datetime, limit: int | None = None) -> list[OutboxRow]:
    """Pending rows whose next attempt is due, oldest first."""
    query = (
        sa.select(outbox)
        .where(
            outbox.c.state == OutboxState.PENDING,
            sa.or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
        )
        .order_by(outbox.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        return [OutboxRow.from_row(r) for r in connection.execute(query).mappings()]


def still_pending(engine: Engine, row_id: int) -> bool:
    """True when the row has not been sent, dead-lettered or superseded meanwhile."""
    with engine.connect() as connection:
        state = connection.execute(sa.select(outbox.c.state).where(outbox.c.id == row_id)).scalar()
    return state == OutboxState.PENDING


def record_attempt(
    engine: Engine,
    row: OutboxRow,
    *,
    attempt: int,
    now: datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: float,
    outcome: OutboxState,
    next_attempt_at: datetime | None = None,
) -> None:
    """Log one attempt and move the row to `outcome` (pending, sent or dead)."""
    if outcome is OutboxState.SUPERSEDED:
        raise ValueError("a delivery attempt cannot supersede a row")
    values: dict[str, Any] = {
        "attempts": attempt,
        "last_status": status_code,
        "last_error": error,
        "updated_at": now,
        "state": outcome,
        "next_attempt_at": next_attempt_at,
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
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == row.id, outbox.c.state == OutboxState.PENDING)
            .values(**values)
        )

"""Persistence of routed calls: call, transcript versions, extraction, decision, review, outbox.

All functions take an open connection inside the caller's transaction, so the
router writes one call atomically. Idempotency lives here:
- a transcript whose content hash is already stored for the call ID is not a new
  version (nothing new is written for it);
- a changed transcript becomes version n+1;
- a new decision supersedes the call's pending outbox rows and open review
  items instead of adding to them; an outbox row is unique by idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, RowMapping

from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_items,
    transcript_versions,
)

PENDING, SENT, DEAD, SUPERSEDED = "pending", "sent", "dead", "superseded"
OPEN = "open"


_INSERT_CALL = calls.insert()
_INSERT_VERSION = transcript_versions.insert()
_INSERT_EXTRACTION = extractions.insert()
_INSERT_DECISION = decisions.insert()
_INSERT_OUTBOX = outbox.insert()
_INSERT_REVIEW = review_items.insert()


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "insert returned no primary key"
    return int(key[0])


@dataclass
class Prior:
    """What the store holds for a call ID before this transcript is routed."""

    exists: bool = False
    current_version: int = 0
    same_version_id: int | None = None
    same_version: int | None = None
    delivered: bool = False
    latest_decision: RowMapping | None = None
    sent_keys: set[str] = field(default_factory=set)


_CALL_VERSION = sa.select(calls.c.current_version).where(calls.c.call_id == sa.bindparam("call_id"))
_SAME_VERSION = sa.select(transcript_versions.c.id, transcript_versions.c.version).where(
    transcript_versions.c.call_id == sa.bindparam("call_id"),
    transcript_versions.c.content_hash == sa.bindparam("content_hash"),
)
_SENT_KEYS = sa.select(outbox.c.idempotency_key).where(
    outbox.c.call_id == sa.bindparam("call_id"), outbox.c.state == SENT
)
_LATEST_FOR_VERSION = (
    sa.select(decisions)
    .where(decisions.c.version_id == sa.bindparam("version_id"))
    .order_by(decisions.c.id.desc())
    .limit(1)
)


def prior(connection: Connection, call_id: str, content_hash: str) -> Prior:
    """The call's history: versions, whether an action was delivered, the matching version."""
    call = connection.execute(_CALL_VERSION, {"call_id": call_id}).first()
    if call is None:
        return Prior()
    state = Prior(exists=True, current_version=int(call[0]))
    same = connection.execute(
        _SAME_VERSION, {"call_id": call_id, "content_hash": content_hash}
    ).first()
    if same is not None:
        state.same_version_id, state.same_version = int(same[0]), int(same[1])
        state.latest_decision = latest_decision(connection, state.same_version_id)
    state.sent_keys = set(connection.execute(_SENT_KEYS, {"call_id": call_id}).scalars())
    state.delivered = bool(state.sent_keys)
    return state


def latest_decision(connection: Connection, version_id: int) -> RowMapping | None:
    """The newest decision row for a transcript version."""
    return connection.execute(_LATEST_FOR_VERSION, {"version_id": version_id}).mappings().first()


def record_version(
    connection: Connection,
    *,
    call_id: str,
    destination: str,
    store: str | None,
    content_hash: str,
    source: str | None,
    transcript: dict[str, Any],
    previous: Prior,
    now: datetime,
) -> tuple[int, int]:
    """Insert the call (or bump it) and a new transcript version; (version_id, version)."""
    version = previous.current_version + 1
    if previous.exists:
        connection.execute(
            sa.update(calls)
            .where(calls.c.call_id == call_id)
            .values(current_version=version, last_seen_at=now, destination=destination, store=store)
        )
    else:
        connection.execute(
            _INSERT_CALL,
            {
                "call_id": call_id,
                "destination": destination,
                "store": store,
                "current_version": version,
                "first_seen_at": now,
                "last_seen_at": now,
            },
        )
    result = connection.execute(
        _INSERT_VERSION,
        {
            "call_id": call_id,
            "version": version,
            "content_hash": content_hash,
            "source": source,
            "transcript": transcript,
            "created_at": now,
        },
    )
    version_id = _new_id(result)
    return version_id, version


def record_extraction(
    connection: Connection,
    version_id: int,
    handoff: dict[str, Any],
    now: datetime,
    *,
    new_version: bool,
) -> None:
    """Store the (grounded, prioritised) handoff of a version, or refresh it on a re-decision."""
    meta = handoff.get("meta", {})
    values = {
        "version_id": version_id,
        "handoff": handoff,
        "backend": str(meta.get("backend", "unknown")),
        "model": meta.get("model"),
        "prompt_id": meta.get("prompt_id"),
        "created_at": now,
    }
    if not new_version:
        updated = connection.execute(
            sa.update(extractions).where(extractions.c.version_id == version_id).values(**values)
        )
        if updated.rowcount:
            return
    connection.execute(_INSERT_EXTRACTION, values)


def record_decision(connection: Connection, values: dict[str, Any]) -> int:
    """Insert a decision row; its id."""
    return _new_id(connection.execute(_INSERT_DECISION, values))


def supersede_open_work(
    connection: Connection, call_id: str, keep_key: str | None, now: datetime
) -> list[int]:
    """Mark the call's pending outbox rows (other than `keep_key`) and open reviews superseded."""
    pending = list(
        connection.execute(
            sa.select(outbox.c.id).where(
                outbox.c.call_id == call_id,
                outbox.c.state.in_([PENDING, DEAD]),
                outbox.c.idempotency_key != (keep_key or ""),
            )
        ).scalars()
    )
    if pending:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(pending))
            .values(state=SUPERSEDED, updated_at=now)
        )
    connection.execute(
        sa.update(review_items)
        .where(review_items.c.call_id == call_id, review_items.c.state == OPEN)
        .values(state=SUPERSEDED, updated_at=now)
    )
    return pending


def enqueue(
    connection: Connection, values: dict[str, Any], superseded: list[int], *, known_call: bool
) -> int | None:
    """Add a pending outbox row unless its idempotency key exists; link what it superseded.

    A pending row with the same key gets the new payload (it has not been sent).
    Returns the row id, or None when the key was already sent or dead-lettered.
    For a call the store has never seen (`known_call` false) the key cannot exist yet;
    a concurrent writer is caught by the key's unique constraint instead.
    """
    existing = (
        connection.execute(
            sa.select(outbox.c.id, outbox.c.state).where(
                outbox.c.idempotency_key == values["idempotency_key"]
            )
        ).first()
        if known_call
        else None
    )
    if existing is not None:
        row_id, state = int(existing[0]), str(existing[1])
        if state in {PENDING, SUPERSEDED}:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id)
                .values(
                    payload=values["payload"],
                    old_values=values.get("old_values"),
                    decision_id=values["decision_id"],
                    state=PENDING,
                    updated_at=values["updated_at"],
                )
            )
            return row_id
        return None
    result = connection.execute(_INSERT_OUTBOX, {"state": PENDING, "attempts": 0, **values})
    row_id = _new_id(result)
    if superseded:
        connection.execute(
            sa.update(outbox).where(outbox.c.id.in_(superseded)).values(superseded_by=row_id)
        )
    return row_id


def open_review(connection: Connection, values: dict[str, Any]) -> int:
    """Add an open review item; its id."""
    result = connection.execute(_INSERT_REVIEW, {"state": OPEN, **values})
    return _new_id(result)


def extraction_of(connection: Connection, version_id: int) -> dict[str, Any] | None:
    """The stored handoff JSON of a version."""
    value = connection.execute(
        sa.select(extractions.c.handoff).where(extractions.c.version_id == version_id)
    ).scalar()
    return value if isinstance(value, dict) else None

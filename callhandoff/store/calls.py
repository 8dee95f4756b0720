"""Persistence of routed calls: call, transcript versions, extraction, decision, review, outbox.

The router decides (a pure function) and then hands the store one `RoutingWrite`
per call; `save_routing` writes it inside the caller's transaction, so a call is
written atomically (`save_new_calls` writes a batch of calls the store has never
seen with one statement per table). Idempotency lives here:
- a transcript whose content hash is already stored for the call ID is not a new
  version (nothing new is written for it unless the policy changed);
- a changed transcript becomes version n+1; an older version sent again becomes
  current again and is decided again (its action, if superseded, is revived);
- a new decision supersedes the call's pending outbox rows and open review
  items instead of adding to them; an outbox row is unique by idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from callhandoff.store.bulk import BulkInsert
from callhandoff.store.history import CALL
from callhandoff.store.review_queue import queue_columns
from callhandoff.store.rows import DecisionRow, OutboxState, ReviewState
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_item_reasons,
    review_items,
    transcript_versions,
)
from callhandoff.store.writes import DecisionWrite, OutboxWrite, Prior, ReviewWrite, RoutingWrite


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "insert returned no primary key"
    return int(key[0])


_INSERT_CALL = calls.insert()
_INSERT_VERSION = transcript_versions.insert()
_INSERT_EXTRACTION = extractions.insert()
_INSERT_DECISION = decisions.insert()
_INSERT_OUTBOX = outbox.insert()
_INSERT_REVIEW = review_items.insert()
_BULK_CALL = BulkInsert(calls)
_BULK_VERSION = BulkInsert(transcript_versions)
_BULK_EXTRACTION = BulkInsert(extractions)
_BULK_DECISION = BulkInsert(decisions)
_BULK_OUTBOX = BulkInsert(outbox)
_BULK_REVIEW = BulkInsert(review_items)
_BULK_REASON = BulkInsert(review_item_reasons)
_SAME_VERSION = sa.select(transcript_versions.c.id, transcript_versions.c.version).where(
    transcript_versions.c.call_id == sa.bindparam("call_id"),
    transcript_versions.c.content_hash == sa.bindparam("content_hash"),
)
_SENT_KEYS = sa.select(outbox.c.idempotency_key).where(
    outbox.c.call_id == sa.bindparam("call_id"), outbox.c.state == OutboxState.SENT
)
_LATEST_FOR_VERSION = (
    sa.select(decisions)
    .where(decisions.c.version_id == sa.bindparam("version_id"))
    .order_by(decisions.c.id.desc())
    .limit(1)
)


def prior(connection: Connection, call_id: str, content_hash: str) -> Prior:
    """The call's history: versions, whether an action was delivered, the matching version."""
    call = connection.execute(CALL, {"call_id": call_id}).mappings().first()
    if call is None:
        return Prior()
    state = Prior(exists=True, current_version=int(call["current_version"]))
    same = connection.execute(
        _SAME_VERSION, {"call_id": call_id, "content_hash": content_hash}
    ).first()
    if same is not None:
        state.same_version_id, state.same_version = int(same[0]), int(same[1])
        row = (
            connection.execute(_LATEST_FOR_VERSION, {"version_id": state.same_version_id})
            .mappings()
            .first()
        )
        state.latest_decision = DecisionRow.from_row(row) if row is not None else None
    state.sent_keys = set(connection.execute(_SENT_KEYS, {"call_id": call_id}).scalars())
    state.delivered = bool(state.sent_keys)
    return state


def known_call_ids(connection: Connection, call_ids: Sequence[str]) -> set[str]:
    """Which of `call_ids` the store has seen before."""
    if not call_ids:
        return set()
    found = connection.execute(sa.select(calls.c.call_id).where(calls.c.call_id.in_(call_ids)))
    return set(found.scalars())


# ---------------------------------------------------------------- rows written for a call
def _call_row(write: RoutingWrite, version: int, now: datetime) -> dict[str, Any]:
    return {
        "call_id": write.call_id,
        "destination": write.destination,
        "store": write.store,
        "current_version": version,
        "first_seen_at": now,
        "last_seen_at": now,
    }


def _version_row(write: RoutingWrite, version: int, now: datetime) -> dict[str, Any]:
    return {
        "call_id": write.call_id,
        "version": version,
        "content_hash": write.content_hash,
        "source": write.source,
        "transcript": write.transcript,
        "created_at": now,
    }


def _extraction_row(version_id: int, write: RoutingWrite, now: datetime) -> dict[str, Any]:
    meta = write.handoff_keys.get("meta", {})
    return {
        "version_id": version_id,
        "handoff": write.handoff,
        "backend": str(meta.get("backend", "unknown")),
        "model": meta.get("model"),
        "prompt_id": meta.get("prompt_id"),
        "created_at": now,
    }


def _decision_row(
    call_id: str, version_id: int, decision: DecisionWrite, now: datetime
) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "version_id": version_id,
        "kind": decision.kind,
        "reasons": decision.reasons,
        "idempotency_key": decision.idempotency_key,
        "policy_version": decision.policy_version,
        "match": decision.match,
        "facts": decision.facts,
        "trace": decision.trace,
        "action": decision.action,
        "priority": decision.priority,
        "created_at": now,
    }


def _outbox_row(
    key: str, item: OutboxWrite, common: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        **common,
        "idempotency_key": key,
        "destination": item.destination,
        "action": item.action,
        "payload": item.payload,
        "old_values": item.old_values,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _review_row(
    write: RoutingWrite, review: ReviewWrite, common: dict[str, Any], now: datetime
) -> dict[str, Any]:
    columns = queue_columns(
        write.call_id, write.handoff_keys, write.match, write.priority, review.payload
    )
    return {
        **common,
        "state": ReviewState.OPEN,
        "reason_codes": review.reason_codes,
        "destination": review.destination,
        "urgency": review.urgency,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "priority_score": columns.priority_score,
        "intent": columns.intent,
        "search_text": columns.search_text,
    }


def _reason_rows(item_id: int, review: ReviewWrite) -> list[dict[str, Any]]:
    return [{"item_id": item_id, "code": code} for code in dict.fromkeys(review.reason_codes)]


# ---------------------------------------------------------------- writing
def save_new_calls(connection: Connection, writes: Sequence[RoutingWrite], now: datetime) -> None:
    """Write calls the store has never seen, each under its own call ID, a statement per
    table for the lot: the same rows `save_routing` writes for each with an empty `Prior`.

    A new call has one version, one decision and at most one work item, so the call ID
    or the version tells each table's new rows apart (`BulkInsert.execute_for_ids`).
    """
    if not writes:
        return
    _BULK_CALL.execute(connection, [_call_row(write, 1, now) for write in writes])
    version_ids = _BULK_VERSION.execute_for_ids(
        connection, [_version_row(write, 1, now) for write in writes], "call_id"
    )
    _BULK_EXTRACTION.execute(
        connection,
        [
            _extraction_row(version_id, write, now)
            for write, version_id in zip(writes, version_ids, strict=True)
        ],
    )
    decision_ids = _BULK_DECISION.execute_for_ids(
        connection,
        [
            _decision_row(write.call_id, version_id, write.decision, now)
            for write, version_id in zip(writes, version_ids, strict=True)
        ],
        "version_id",
    )
    queued: list[dict[str, Any]] = []
    reviews: list[tuple[ReviewWrite, dict[str, Any]]] = []
    for write, version_id, decision_id in zip(writes, version_ids, decision_ids, strict=True):
        common = {"call_id": write.call_id, "version_id": version_id, "decision_id": decision_id}
        if write.outbox is not None:
            queued.append(_outbox_row(write.idempotency_key, write.outbox, common, now))
        elif write.review is not None:
            reviews.append((write.review, _review_row(write, write.review, common, now)))
    _BULK_OUTBOX.execute(connection, queued)
    if reviews:
        item_ids = _BULK_REVIEW.execute_for_ids(connection, [row for _, row in reviews], "call_id")
        _BULK_REASON.execute(
            connection,
            [
                reason
                for item_id, (review, _) in zip(item_ids, reviews, strict=True)
                for reason in _reason_rows(item_id, review)
            ],
        )


def save_routing(
    connection: Connection, write: RoutingWrite, previous: Prior, now: datetime
) -> None:
    """Write one routed call: its version (when new), extraction, decision, and work item."""
    if previous.new_version:
        version_id = _record_version(connection, write, previous, now)
    else:
        assert previous.same_version_id is not None
        version_id = previous.same_version_id
        if not previous.current:  # an older version came back: it is current again
            connection.execute(
                sa.update(calls)
                .where(calls.c.call_id == write.call_id)
                .values(current_version=previous.same_version, last_seen_at=now)
            )
    _record_extraction(connection, version_id, write, now, new_version=previous.new_version)
    decision_id = record_decision(connection, write.call_id, version_id, write.decision, now)
    keep = write.idempotency_key if write.outbox is not None else None
    superseded = (
        _supersede_open_work(connection, write.call_id, keep, now) if previous.exists else []
    )
    common = {"call_id": write.call_id, "version_id": version_id, "decision_id": decision_id}
    if write.outbox is not None:
        enqueue(
            connection,
            write.idempotency_key,
            write.outbox,
            common,
            superseded,
            known_call=previous.exists,
            now=now,
        )
    elif write.review is not None:
        item_id = _new_id(
            connection.execute(_INSERT_REVIEW, _review_row(write, write.review, common, now))
        )
        _BULK_REASON.execute(connection, _reason_rows(item_id, write.review))


def record_decision(
    connection: Connection, call_id: str, version_id: int, decision: DecisionWrite, now: datetime
) -> int:
    """Add a decision for a transcript version (the newest one is the call's decision); its id."""
    return _new_id(
        connection.execute(_INSERT_DECISION, _decision_row(call_id, version_id, decision, now))
    )


def _record_version(
    connection: Connection, write: RoutingWrite, previous: Prior, now: datetime
) -> int:
    """Insert the call (or bump it) and a new transcript version; the version's row id."""
    version = previous.next_version
    if previous.exists:
        connection.execute(
            sa.update(calls)
            .where(calls.c.call_id == write.call_id)
            .values(
                current_version=version,
                last_seen_at=now,
                destination=write.destination,
                store=write.store,
            )
        )
    else:
        connection.execute(_INSERT_CALL, _call_row(write, version, now))
    return _new_id(connection.execute(_INSERT_VERSION, _version_row(write, version, now)))


def _record_extraction(
    connection: Connection,
    version_id: int,
    write: RoutingWrite,
    now: datetime,
    *,
    new_version: bool,
) -> None:
    """Store the handoff of a version, or refresh it on a re-decision."""
    values = _extraction_row(version_id, write, now)
    if not new_version:
        updated = connection.execute(
            sa.update(extractions).where(extractions.c.version_id == version_id).values(**values)
        )
        if updated.rowcount:
            return
    connection.execute(_INSERT_EXTRACTION, values)


def _supersede_open_work(
    connection: Connection, call_id: str, keep_key: str | None, now: datetime
) -> list[int]:
    """Mark the call's unsent outbox rows (other than `keep_key`) and open reviews superseded."""
    pending = list(
        connection.execute(
            sa.select(outbox.c.id).where(
                outbox.c.call_id == call_id,
                outbox.c.state.in_([OutboxState.PENDING, OutboxState.DEAD]),
                outbox.c.idempotency_key != (keep_key or ""),
            )
        ).scalars()
    )
    if pending:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id.in_(pending))
            .values(state=OutboxState.SUPERSEDED, updated_at=now)
        )
    connection.execute(
        sa.update(review_items)
        .where(review_items.c.call_id == call_id, review_items.c.state == ReviewState.OPEN)
        .values(state=ReviewState.SUPERSEDED, updated_at=now)
    )
    return pending


def enqueue(
    connection: Connection,
    key: str,
    item: OutboxWrite,
    common: dict[str, Any],
    superseded: list[int],
    *,
    known_call: bool,
    now: datetime,
) -> int:
    """Add a pending outbox row unless its idempotency key exists; link what it superseded.

    `common` holds the row's call_id, version_id and decision_id. A pending or
    superseded row with the same key gets the new payload (it has not been sent).
    A key already sent or dead-lettered is left alone. For a call the store has
    never seen the key cannot exist yet; a concurrent writer is caught by the
    key's unique constraint instead. Returns the id of the row holding the key.
    """
    existing = (
        connection.execute(
            sa.select(outbox.c.id, outbox.c.state).where(outbox.c.idempotency_key == key)
        ).first()
        if known_call
        else None
    )
    if existing is not None:
        row_id, state = int(existing[0]), OutboxState(existing[1])
        if state in {OutboxState.PENDING, OutboxState.SUPERSEDED}:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == row_id)
                .values(
                    payload=item.payload,
                    old_values=item.old_values,
                    decision_id=common["decision_id"],
                    state=OutboxState.PENDING,
                    updated_at=now,
                )
            )
            _link_superseded(connection, superseded, row_id)
        return row_id
    result = connection.execute(_INSERT_OUTBOX, _outbox_row(key, item, common, now))
    new_id = _new_id(result)
    _link_superseded(connection, superseded, new_id)
    return new_id


def _link_superseded(connection: Connection, superseded: list[int], by: int) -> None:
    """Record which outbox row replaced the superseded ones."""
    if superseded:
        connection.execute(
            sa.update(outbox).where(outbox.c.id.in_(superseded)).values(superseded_by=by)
        )

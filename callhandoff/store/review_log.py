"""Resolving a review item, and the append-only audit log of every reviewer action.

`resolve` is the one write a reviewer's approve / edit / reject makes, in one
transaction: the item moves on only if it is still open, still at the version
the reviewer saw and not held by someone else (the optimistic check); then the
reviewer's decision is recorded and its action queued in the outbox under the
call's idempotency key (through `callhandoff.store.calls`, the same code
`process` uses), and the audit row and per-field checks are appended. Nothing
here updates or deletes an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.exceptions import ReviewConflictError
from callhandoff.store import calls as call_store
from callhandoff.store.policies import keep_policy
from callhandoff.store.rows import (
    PolicyRow,
    ReviewAction,
    ReviewActionRow,
    ReviewRow,
    ReviewState,
)
from callhandoff.store.tables import (
    review_actions,
    review_field_checks,
    review_items,
    transcript_versions,
)
from callhandoff.store.writes import DecisionWrite, OutboxWrite

#: Confidence buckets of the field checks: [0, 0.05), [0.05, 0.1), ... [0.95, 1].
BUCKETS = 20


def bucket_of(confidence: float | None) -> int | None:
    """The bucket a confidence falls in (None for a value the extraction did not give)."""
    if confidence is None:
        return None
    return min(int(confidence * BUCKETS), BUCKETS - 1)


@dataclass(frozen=True)
class FieldCheck:
    """One field a reviewer looked at: its confidence, source, and whether they changed it."""

    field: str
    confidence: float | None
    source: str | None
    changed: bool


@dataclass(frozen=True)
class ActionWrite:
    """A reviewer's action on an item, as the audit log keeps it."""

    item_id: int
    reviewer: str
    action: ReviewAction
    expected_version: int
    changes: list[dict[str, Any]]
    decision_before: dict[str, Any]
    decision_after: dict[str, Any]
    reject_reason: str | None = None
    note: str | None = None
    handoff: dict[str, Any] | None = None
    checks: list[FieldCheck] = field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    """What `resolve` stored: the audit row, the new decision and the outbox row (if any)."""

    action_id: int
    decision_id: int
    outbox_id: int | None
    state: ReviewState


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "an unknown time"


def _conflict(connection: Connection, row: ReviewRow, write: ActionWrite, now: datetime) -> str:
    """Why `write` cannot apply to the item as it is now, in words for the reviewer."""
    tried = write.action.value
    if row.state is ReviewState.SUPERSEDED:
        return (
            f"call {row.call_id} was decided again (a newer transcript or policy) at "
            f"{_when(row.updated_at)}; your {tried} was not applied"
        )
    if row.state is not ReviewState.OPEN:
        last = connection.execute(
            sa.select(review_actions.c.reviewer, review_actions.c.action, review_actions.c.at)
            .where(review_actions.c.item_id == row.id)
            .order_by(review_actions.c.id.desc())
            .limit(1)
        ).first()
        who, did, at = (last[0], last[1], last[2]) if last else (row.reviewer, row.state, None)
        verb = {"approve": "approved", "edit": "edited and approved", "reject": "rejected"}
        return (
            f"{who} already {verb.get(str(did), str(did))} call {row.call_id} at "
            f"{_when(at or row.reviewed_at)}; your {tried} was not applied"
        )
    holder = row.held_by_other(write.reviewer, now)
    if holder is not None:
        return (
            f"{holder} holds call {row.call_id} until {_when(row.claimed_until)}; "
            f"your {tried} was not applied"
        )
    return (
        f"call {row.call_id} changed since you opened it (version {row.version}, you saw "
        f"version {write.expected_version}); reload it — your {tried} was not applied"
    )


def _current(connection: Connection, item_id: int) -> ReviewRow:
    row = (
        connection.execute(sa.select(review_items).where(review_items.c.id == item_id))
        .mappings()
        .one()
    )
    return ReviewRow.from_row(row)


def resolve(
    engine: Engine,
    write: ActionWrite,
    decision: DecisionWrite,
    send: OutboxWrite | None,
    now: datetime,
    *,
    policy: PolicyRow | None = None,
) -> Resolved:
    """Apply a reviewer's action atomically, or raise ReviewConflictError saying why not.

    `policy` is the policy a new decision was made under, kept with it when the store
    does not have it yet (None: the decision keeps a stored decision's policy)."""
    state = ReviewState.REJECTED if write.action is ReviewAction.REJECT else ReviewState.APPROVED
    with engine.begin() as connection:
        if policy is not None:
            keep_policy(connection, policy, now)
        row = _current(connection, write.item_id)
        updated = connection.execute(
            sa.update(review_items)
            .where(
                review_items.c.id == write.item_id,
                review_items.c.version == write.expected_version,
                review_items.c.state == ReviewState.OPEN,
                sa.or_(
                    review_items.c.claimed_by.is_(None),
                    review_items.c.claimed_by == write.reviewer,
                    review_items.c.claimed_until.is_(None),
                    review_items.c.claimed_until <= now,
                ),
            )
            .values(
                state=state,
                version=review_items.c.version + 1,
                reviewer=write.reviewer,
                reviewed_at=now,
                note=write.note,
                updated_at=now,
                claimed_by=None,
                claimed_until=None,
            )
        )
        if updated.rowcount != 1:
            raise ReviewConflictError(
                _conflict(connection, _current(connection, row.id), write, now)
            )
        decision_id = call_store.record_decision(
            connection, row.call_id, row.version_id, decision, now
        )
        outbox_id = (
            call_store.enqueue(
                connection,
                decision.idempotency_key,
                send,
                {"call_id": row.call_id, "version_id": row.version_id, "decision_id": decision_id},
                [],
                known_call=True,
                now=now,
            )
            if send is not None
            else None
        )
        inserted = connection.execute(
            sa.insert(review_actions).values(
                item_id=row.id,
                call_id=row.call_id,
                reviewer=write.reviewer,
                at=now,
                action=write.action,
                item_version=write.expected_version,
                changes=write.changes,
                decision_before=write.decision_before,
                decision_after=write.decision_after,
                reject_reason=write.reject_reason,
                note=write.note,
                decision_id=decision_id,
                outbox_id=outbox_id,
                handoff=write.handoff,
            )
        ).inserted_primary_key
        assert inserted is not None, "insert returned no primary key"
        action_id = int(inserted[0])
        if write.checks:
            connection.execute(
                sa.insert(review_field_checks),
                [
                    {
                        "action_id": action_id,
                        "field": check.field,
                        "confidence": check.confidence,
                        "bucket": bucket_of(check.confidence),
                        "source": check.source,
                        "changed": check.changed,
                        "at": now,
                    }
                    for check in write.checks
                ],
            )
    return Resolved(action_id, decision_id, outbox_id, state)


def log(
    engine: Engine, call_id: str | None = None, limit: int | None = None
) -> list[ReviewActionRow]:
    """Audited actions, oldest first (the newest `limit` of them), for one call or all."""
    query = sa.select(review_actions).order_by(review_actions.c.id.desc())
    if call_id is not None:
        query = query.where(review_actions.c.call_id == call_id)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = [ReviewActionRow.from_row(r) for r in connection.execute(query).mappings()]
    return rows[::-1]


@dataclass(frozen=True)
class Reviewed:
    """A call's latest review action with the transcript it was made on (for the export)."""

    action: ReviewActionRow
    transcript: dict[str, Any]
    purged_at: datetime | None = None  # the transcript's words were removed (retention)


def reviewed(engine: Engine, since: datetime | None = None) -> list[Reviewed]:
    """Every call's latest review action (at or after `since`), oldest first."""
    latest = (
        sa.select(sa.func.max(review_actions.c.id))
        .group_by(review_actions.c.call_id)
        .scalar_subquery()
    )
    query = (
        sa.select(review_actions, transcript_versions.c.transcript, transcript_versions.c.purged_at)
        .join(review_items, review_items.c.id == review_actions.c.item_id)
        .join(transcript_versions, transcript_versions.c.id == review_items.c.version_id)
        .where(review_actions.c.id.in_(latest))
        .order_by(review_actions.c.id)
    )
    if since is not None:
        query = query.where(review_actions.c.at >= since)
    with engine.connect() as connection:
        return [
            Reviewed(ReviewActionRow.from_row(row), dict(row["transcript"]), row["purged_at"])
            for row in connection.execute(query).mappings()
        ]


@dataclass(frozen=True)
class BucketCount:
    """Reviewed values of one field in one confidence bucket, and how many were changed."""

    field: str
    bucket: int | None
    values: int
    changed: int


def field_buckets(engine: Engine) -> list[BucketCount]:
    """Per field and confidence bucket: values reviewers saw and values they changed."""
    changed = sa.func.sum(sa.case((review_field_checks.c.changed, 1), else_=0))
    query = (
        sa.select(
            review_field_checks.c.field,
            review_field_checks.c.bucket,
            sa.func.count(),
            changed,
        )
        .group_by(review_field_checks.c.field, review_field_checks.c.bucket)
        .order_by(review_field_checks.c.field, review_field_checks.c.bucket)
    )
    with engine.connect() as connection:
        return [
            BucketCount(str(name), None if bucket is None else int(bucket), int(n), int(c or 0))
            for name, bucket, n, c in connection.execute(query)
        ]

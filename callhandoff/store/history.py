"""A routed call as stored: the call, its latest decision and the policy it was made under,
its outbox rows and reviews."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.exceptions import NotFoundError
from callhandoff.store.policies import policy_of
from callhandoff.store.retention import purged_versions
from callhandoff.store.rows import CallHistory, CallRow, DecisionRow, OutboxRow, ReviewRow
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_items,
    transcript_versions,
)

CALL = sa.select(calls).where(calls.c.call_id == sa.bindparam("call_id"))
_EXTRACTION = sa.select(extractions.c.handoff).where(
    extractions.c.version_id == sa.bindparam("version_id")
)


def extraction_of(connection: Connection, version_id: int) -> dict[str, Any] | None:
    """The stored handoff JSON of a version."""
    value = connection.execute(_EXTRACTION, {"version_id": version_id}).scalar()
    return value if isinstance(value, dict) else None


def call_history(engine: Engine, call_id: str) -> CallHistory:
    """The call, its latest decision (with the version number), its outbox rows and reviews."""
    with engine.connect() as connection:
        call = connection.execute(CALL, {"call_id": call_id}).mappings().first()
        if call is None:
            raise NotFoundError(
                f"no call {call_id!r} in the store (run `callhandoff process` first)"
            )
        decision = (
            connection.execute(
                sa.select(decisions, transcript_versions.c.version)
                .join(transcript_versions, transcript_versions.c.id == decisions.c.version_id)
                .where(decisions.c.call_id == call_id)
                .order_by(decisions.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        sent = connection.execute(
            sa.select(outbox).where(outbox.c.call_id == call_id).order_by(outbox.c.id)
        ).mappings()
        reviews = connection.execute(
            sa.select(review_items)
            .where(review_items.c.call_id == call_id)
            .order_by(review_items.c.id)
        ).mappings()
        return CallHistory(
            call=CallRow.from_row(call),
            decision=DecisionRow.from_row(decision) if decision is not None else None,
            policy=policy_of(connection, decision["policy_version"]) if decision else None,
            outbox=[OutboxRow.from_row(r) for r in sent],
            reviews=[ReviewRow.from_row(r) for r in reviews],
            purged=purged_versions(connection, call_id),
        )


def extraction_for_version(engine: Engine, version_id: int) -> dict[str, Any] | None:
    """The stored handoff JSON of a version (its own connection)."""
    with engine.connect() as connection:
        return extraction_of(connection, version_id)

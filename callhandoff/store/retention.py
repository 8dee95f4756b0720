"""Retention: the words of calls past their retention time are removed from the store.

`purge_before(engine, cutoff, now)` takes every transcript version stored before
`cutoff` that is not purged yet and, in batches, one transaction each:
- replaces the transcript's turns by one `[transcript purged]` line (the call id,
  destination, store, channel, start time and links stay; the caller-ID number
  goes) and changes its content hash, so the same call sent again later is a new
  version as usual;
- in the version's extraction, the action of its decisions (a review item's card is
  its decision's action), the handoff of its review items' audit rows and the
  payload of its outbox rows, replaces every evidence quote, the summary, the next
  step, the values the grounding check dropped and the free-text fields (the
  agent's promise, workflow and damage descriptions, an injection attempt) by
  `[transcript purged]`;
- stamps `purged_at` on the version, its extraction and its review items.

Kept: the call, its versions' numbers and dates, decisions with their reasons,
match, facts and policy (so the rule trace), the values extracted (ids, names,
intents, flags, changes), outbox rows with their state and attempts, and the review
audit trail (who did what, when, and the changes made). `dry_run` counts without
changing anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.store.tables import (
    decisions,
    extractions,
    outbox,
    review_actions,
    review_items,
    transcript_versions,
)

PURGED: Final = "[transcript purged]"
#: Keys whose text is words of the call wherever they appear in stored JSON.
_SAID_KEYS: Final = frozenset({"quote", "summary", "next_step"})
#: Handoff fields whose value is a passage of the call rather than an identifier or label.
_SAID_VALUES: Final = frozenset(
    {
        "promise",
        "delivery_status",
        "availability_question",
        "description",
        "prompt_injection",
        "buying_signal",
        "objection",
        "symptom",
        "expected_behaviour",
        "actual_behaviour",
        "affected_area",
        "business_impact",
        "location_details",
        "access_notes",
        "timing_constraints",
        "impact",
        "affected_object",
    }
)
#: What a purged transcript keeps besides its one line.
_KEPT_METADATA: Final[tuple[str, ...]] = (
    "call_id",
    "destination",
    "store",
    "channel",
    "started_at",
    "links",
)


@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    cutoff: datetime
    dry_run: bool
    versions: int = 0
    extractions: int = 0
    decisions: int = 0  # their actions lose the words (a review item's card among them)
    review_items: int = 0
    review_actions: int = 0
    outbox_rows: int = 0
    calls: list[str] = field(default_factory=list)  # call ids touched, oldest version first


def purged_json(node: Any, key: str | None = None) -> Any:
    """Stored JSON (a handoff, a review card, a payload) without the words of the call."""
    if isinstance(node, dict):
        if (key in _SAID_VALUES or key == "dropped") and isinstance(node.get("value"), str):
            node = {**node, "value": PURGED}  # a passage, or a value grounding refused
        return {name: purged_json(value, name) for name, value in node.items()}
    if isinstance(node, list):
        return [purged_json(item, key) for item in node]
    if isinstance(node, str) and key in _SAID_KEYS and node:
        return PURGED
    return node


def purged_transcript(transcript: dict[str, Any]) -> dict[str, Any]:
    """A stored transcript with its turns replaced by one `[transcript purged]` line."""
    kept: dict[str, Any] = {name: transcript[name] for name in _KEPT_METADATA if name in transcript}
    kept["turns"] = [{"speaker": "system", "text": PURGED}]
    return kept


def _purged_hash(content_hash: str) -> str:
    """A new content hash: the same transcript sent again is not this version any more."""
    return hashlib.sha256(f"purged:{content_hash}".encode()).hexdigest()


_DUE = sa.and_(
    transcript_versions.c.purged_at.is_(None),
    transcript_versions.c.created_at < sa.bindparam("cutoff"),
)


def _due(connection: Connection, cutoff: datetime, after: int, size: int) -> list[int]:
    """Ids of the next `size` versions due (after id `after`), oldest first."""
    return list(
        connection.execute(
            sa.select(transcript_versions.c.id)
            .where(_DUE, transcript_versions.c.id > after)
            .order_by(transcript_versions.c.id)
            .limit(size),
            {"cutoff": cutoff},
        ).scalars()
    )


def _count(connection: Connection, table: sa.Table, column: Any, ids: list[int]) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(column.in_(ids))
    return int(connection.execute(query).scalar_one())


def _items_of(ids: list[int]) -> Any:
    return sa.select(review_items.c.id).where(review_items.c.version_id.in_(ids))


def _note(report: PurgeReport, connection: Connection, ids: list[int]) -> None:
    """Count what the versions `ids` hold, and name their calls."""
    report.versions += len(ids)
    report.extractions += _count(connection, extractions, extractions.c.version_id, ids)
    report.decisions += _count(connection, decisions, decisions.c.version_id, ids)
    report.review_items += _count(connection, review_items, review_items.c.version_id, ids)
    report.outbox_rows += _count(connection, outbox, outbox.c.version_id, ids)
    report.review_actions += int(
        connection.execute(
            sa.select(sa.func.count())
            .select_from(review_actions)
            .where(review_actions.c.item_id.in_(_items_of(ids)))
        ).scalar_one()
    )
    calls = connection.execute(
        sa.select(transcript_versions.c.call_id)
        .where(transcript_versions.c.id.in_(ids))
        .order_by(transcript_versions.c.id)
    ).scalars()
    for call_id in calls:
        if call_id not in report.calls:
            report.calls.append(call_id)


def _rewrite(
    connection: Connection, table: sa.Table, column: str, where: Any, stamp: dict[str, Any]
) -> None:
    """Replace `column` of every row of `table` matching `where` by its purged form."""
    rows = connection.execute(sa.select(table.c.id, table.c[column]).where(where)).all()
    for row_id, value in rows:
        if value is not None:
            values = {column: purged_json(value), **stamp}
            connection.execute(sa.update(table).where(table.c.id == row_id).values(**values))


def _purge_versions(connection: Connection, ids: list[int], now: datetime) -> None:
    rows = connection.execute(
        sa.select(
            transcript_versions.c.id,
            transcript_versions.c.transcript,
            transcript_versions.c.content_hash,
        ).where(transcript_versions.c.id.in_(ids))
    ).all()
    for version_id, transcript, content_hash in rows:
        connection.execute(
            sa.update(transcript_versions)
            .where(transcript_versions.c.id == version_id)
            .values(
                transcript=purged_transcript(dict(transcript)),
                content_hash=_purged_hash(content_hash),
                purged_at=now,
            )
        )
    stamp = {"purged_at": now}
    _rewrite(connection, extractions, "handoff", extractions.c.version_id.in_(ids), stamp)
    connection.execute(
        sa.update(review_items).where(review_items.c.version_id.in_(ids)).values(**stamp)
    )
    _rewrite(connection, decisions, "action", decisions.c.version_id.in_(ids), {})
    audited = review_actions.c.item_id.in_(_items_of(ids))
    _rewrite(connection, review_actions, "handoff", audited, {})
    _rewrite(connection, outbox, "payload", outbox.c.version_id.in_(ids), {})


def purge_before(
    engine: Engine, cutoff: datetime, now: datetime, *, dry_run: bool = False, batch: int = 200
) -> PurgeReport:
    """Remove the words of every transcript version stored before `cutoff` (see the
    module docstring); with `dry_run`, only count what would go."""
    report = PurgeReport(cutoff=cutoff, dry_run=dry_run)
    after = 0
    while True:
        with engine.begin() as connection:  # one transaction per batch: memory stays flat
            ids = _due(connection, cutoff, after, batch)
            if not ids:
                return report
            _note(report, connection, ids)
            if not dry_run:
                _purge_versions(connection, ids, now)
        after = ids[-1]


def purged_versions(connection: Connection, call_id: str) -> dict[int, datetime]:
    """The call's purged transcript versions: version number → when it was purged."""
    rows = connection.execute(
        sa.select(transcript_versions.c.version, transcript_versions.c.purged_at).where(
            transcript_versions.c.call_id == call_id,
            transcript_versions.c.purged_at.is_not(None),
        )
    ).all()
    return {int(version): at for version, at in rows}

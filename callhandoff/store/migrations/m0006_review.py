"""The reviewer app: queue columns and claims on review items, reasons, the audit log.

- `review_items` gains a `version` (the optimistic check every action makes), a
  claim (`claimed_by` until `claimed_until`), and the columns the queue sorts and
  filters on without reading JSON: `priority_score`, `intent`, `search_text`.
- `review_item_reasons`: one row per (item, reason code), so the queue filters
  and counts by reason with an index on every database.
- `review_actions`: append-only audit of every approve / edit / reject: who,
  when, the item version acted on, what changed, the decision before and after.
- `review_field_checks`: per reviewed field, its confidence and whether the
  reviewer changed it (the agreement page's reliability curves).

Existing open items get their queue columns and reason rows filled in.
Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _add_columns(connection: Connection, table: str, columns: list[sa.Column[Any]]) -> None:
    sa.Table(table, sa.MetaData(), *columns)
    for column in columns:
        ddl = sa.schema.CreateColumn(column).compile(dialect=connection.dialect)
        connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {ddl}"))


def upgrade(connection: Connection) -> None:
    """Add the queue and claim columns, the reasons, audit and field-check tables."""
    _add_columns(
        connection,
        "review_items",
        [
            sa.Column("version", sa.Integer, nullable=False, server_default="1"),
            sa.Column("claimed_by", sa.String(200)),
            sa.Column("claimed_until", _tz()),
            sa.Column("priority_score", sa.Integer, nullable=False, server_default="0"),
            sa.Column("intent", sa.String(30)),
            sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        ],
    )
    connection.execute(
        sa.text(
            "CREATE INDEX ix_review_items_queue ON review_items (state, priority_score, created_at)"
        )
    )
    md = sa.MetaData()
    sa.Table("review_items", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("calls", md, sa.Column("call_id", sa.String(200), primary_key=True))
    sa.Table("decisions", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("outbox", md, sa.Column("id", sa.Integer, primary_key=True))
    reasons = sa.Table(
        "review_item_reasons",
        md,
        sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id"), primary_key=True),
        sa.Column("code", sa.String(100), primary_key=True),
        sa.Index("ix_review_item_reasons_code", "code", "item_id"),
    )
    actions = sa.Table(
        "review_actions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id"), nullable=False),
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("item_version", sa.Integer, nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("decision_before", sa.JSON, nullable=False),
        sa.Column("decision_after", sa.JSON, nullable=False),
        sa.Column("reject_reason", sa.String(50)),
        sa.Column("note", sa.Text),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id")),
        sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id")),
        sa.Column("handoff", sa.JSON),
        sa.Index("ix_review_actions_call", "call_id", "id"),
        sa.Index("ix_review_actions_at", "at"),
    )
    checks = sa.Table(
        "review_field_checks",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("review_actions.id"), nullable=False),
        sa.Column("field", sa.String(50), nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("bucket", sa.Integer),
        sa.Column("source", sa.String(100)),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.Index("ix_review_field_checks_field", "field", "bucket"),
    )
    md.create_all(connection, tables=[reasons, actions, checks])
    _fill_existing(connection, reasons)


def _fill_existing(connection: Connection, reasons: sa.Table) -> None:
    """Queue columns and reason rows for the items stored before this migration."""
    # Imported here: a store that is already migrated never loads the queue's code.
    from callhandoff.store.review_queue import queue_columns

    rows = connection.execute(
        sa.text(
            "SELECT r.id, r.call_id, r.reason_codes, r.payload, d.priority, d.match, e.handoff "
            "FROM review_items r JOIN decisions d ON d.id = r.decision_id "
            "LEFT JOIN extractions e ON e.version_id = r.version_id"
        )
    ).all()
    json_type = sa.JSON()
    process = json_type.result_processor(connection.dialect, None)

    def load(value: Any) -> Any:
        return process(value) if process is not None and isinstance(value, str) else value

    for item_id, call_id, codes, payload, priority, match, handoff in rows:
        columns = queue_columns(
            call_id, load(handoff) or {}, load(match), load(priority), load(payload)
        )
        connection.execute(
            sa.text(
                "UPDATE review_items SET priority_score = :score, intent = :intent, "
                "search_text = :text WHERE id = :id"
            ),
            {
                "score": columns.priority_score,
                "intent": columns.intent,
                "text": columns.search_text,
                "id": item_id,
            },
        )
        for code in dict.fromkeys(load(codes) or []):
            connection.execute(reasons.insert().values(item_id=item_id, code=str(code)))

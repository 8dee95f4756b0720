"""Retention: what `callhandoff purge` removed is marked with when it was removed.

- `transcript_versions.purged_at`: the version's words are gone (the row, its
  number and the call it belongs to stay); indexed with `created_at`, which the
  purge selects on.
- `extractions.purged_at`: the handoff's quotes, summary and free text are gone.
- `review_items.purged_at`: the review card's quotes, summary and next step are gone.

Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upgrade(connection: Connection) -> None:
    """Add `purged_at` to the three tables and the index the purge selects on."""
    for table in ("transcript_versions", "extractions", "review_items"):
        column = sa.Column("purged_at", sa.DateTime(timezone=True))
        sa.Table(table, sa.MetaData(), column)
        ddl = sa.schema.CreateColumn(column).compile(dialect=connection.dialect)
        connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {ddl}"))
    connection.execute(
        sa.text("CREATE INDEX ix_versions_retention ON transcript_versions (purged_at, created_at)")
    )

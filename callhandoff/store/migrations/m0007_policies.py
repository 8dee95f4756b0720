"""The policies decisions were made under, so a decision's rule trace is rendered on demand.

- `policies`: one row per effective policy (its `version` is the content hash every
  decision records as `policy_version`), with the policy as JSON and the file(s) it
  came from. A decision stores its facts and the notes of its trace; `explain`
  evaluates the stored policy on the stored facts to show every rule's tests, so a
  routed call no longer stores the same rule-by-rule text again (about 5 KB a call).

Decisions stored before keep their rule trace and are explained from it.
Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upgrade(connection: Connection) -> None:
    """Create `policies`."""
    md = sa.MetaData()
    sa.Table(
        "policies",
        md,
        sa.Column("version", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(connection)

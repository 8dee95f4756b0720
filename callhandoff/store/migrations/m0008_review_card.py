"""A review item's card is read from its decision's action, stored once.

`review_items.payload` held the same card and proposed action as the action of the
decision the item belongs to (`decisions.action`, through `decision_id`): the column
goes, and the queue reads the card from the decision. Retention then removes the
words of a purged call from that one place. A purge before this migration removed
them from the item's payload only, so the actions of the decisions of every purged
transcript version lose them here, before the column goes.

Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upgrade(connection: Connection) -> None:
    """Purge the actions of purged versions' decisions; drop `review_items.payload`."""
    from callhandoff.store.retention import purged_json

    md = sa.MetaData()
    versions = sa.Table(
        "transcript_versions",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("purged_at", sa.DateTime(timezone=True)),
    )
    decisions = sa.Table(
        "decisions",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer),
        sa.Column("action", sa.JSON),
    )
    purged = sa.select(versions.c.id).where(versions.c.purged_at.is_not(None))
    rows = connection.execute(
        sa.select(decisions.c.id, decisions.c.action).where(decisions.c.version_id.in_(purged))
    ).all()
    for decision_id, action in rows:
        if action is not None:
            connection.execute(
                sa.update(decisions)
                .where(decisions.c.id == decision_id)
                .values(action=purged_json(action))
            )
    connection.execute(sa.text("ALTER TABLE review_items DROP COLUMN payload"))

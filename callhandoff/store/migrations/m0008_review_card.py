"""A review item's card is read from its decision's action, stored once.

`review_items.payload` held the same card and proposed action as the action of the
decision the item belongs to (`decisions.action`, through `decision_id`): the column
goes, and the queue reads the card from the decision. Retention then removes the
words of a purged call from that one place.

Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upgrade(connection: Connection) -> None:
    """Drop `review_items.payload`."""
    connection.execute(sa.text("ALTER TABLE review_items DROP COLUMN payload"))

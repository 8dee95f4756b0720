"""The live service: calls received by webhook, outbox leases, destination health.

- `inbound_calls`: one row per accepted webhook (its `webhook_id` is unique, so a
  replay finds the first answer); the transcript waits here until a worker claims it
  with a lease, and its state says where it is (received, processing, done, failed).
- `outbox.lease_owner` / `lease_until`: a deliverer claims rows before sending, so
  any number of deliverers never send one key twice.
- `destination_health`: consecutive failures per destination and until when it is
  paused (the circuit breaker every deliverer shares).

Frozen once landed: change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade(connection: Connection) -> None:
    """Create `inbound_calls` and `destination_health`; add the lease columns to `outbox`."""
    md = sa.MetaData()
    sa.Table(
        "inbound_calls",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.String(200), nullable=False, unique=True),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", _tz()),
        sa.Column("published_at", _tz()),
        sa.Column("error", sa.Text),
        sa.Column("received_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Index("ix_inbound_calls_state", "state", "id"),
        sa.Index("ix_inbound_calls_call", "call_id", "id"),
    )
    sa.Table(
        "destination_health",
        md,
        sa.Column("destination", sa.String(20), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("opened", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_until", _tz()),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    md.create_all(connection)
    for column in (
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", _tz()),
    ):
        ddl = sa.schema.CreateColumn(column).compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE outbox ADD COLUMN {ddl}")

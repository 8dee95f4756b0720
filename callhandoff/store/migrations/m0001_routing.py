"""Routing store: the store directory, calls and their versions, decisions, reviews, the outbox.

Frozen once landed: the runtime table objects live in `callhandoff.store.tables`
and must describe the same columns; change the schema with a new, higher migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _money() -> sa.Numeric[float]:
    return sa.Numeric(14, 2, asdecimal=False)


def upgrade(connection: Connection) -> None:
    """Create the directory, call, decision, review and outbox tables with their indexes."""
    md = sa.MetaData()
    sa.Table(
        "customers",
        md,
        sa.Column("customer_id", sa.String(100), primary_key=True),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False, server_default=""),
        sa.Column("name_key", sa.String(300), nullable=False, server_default=""),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("vip", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("loyalty_tier", sa.String(50)),
        sa.Column("created_at", _tz()),
        sa.Column("loaded_at", _tz(), nullable=False),
        sa.Index("ix_customers_email", "destination", "email"),
        sa.Index("ix_customers_phone", "destination", "phone"),
        sa.Index("ix_customers_store", "destination", "store"),
    )
    sa.Table(
        "orders",
        md,
        sa.Column("order_id", sa.String(100), primary_key=True),
        sa.Column("order_key", sa.String(100), nullable=False),
        sa.Column("order_digits", sa.String(100)),
        sa.Column("customer_id", sa.String(100), sa.ForeignKey("customers.customer_id")),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("total", _money(), nullable=False),
        sa.Column("currency", sa.String(3)),
        sa.Column("purchased_at", _tz()),
        sa.Column("delivered_at", _tz()),
        sa.Column("shipping_address", sa.Text),
        sa.Column("loaded_at", _tz(), nullable=False),
        sa.Index("ix_orders_key", "destination", "order_key"),
        sa.Index("ix_orders_digits", "destination", "order_digits"),
        sa.Index("ix_orders_customer", "customer_id"),
    )
    sa.Table(
        "order_items",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "order_id",
            sa.String(100),
            sa.ForeignKey("orders.order_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("sku_key", sa.String(100), nullable=False),
        sa.Column("product_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("quantity", sa.Integer, nullable=False, server_default="1"),
        sa.Column("unit_price", _money()),
        sa.Index("ix_order_items_order", "order_id"),
    )
    sa.Table(
        "products",
        md,
        sa.Column("sku", sa.String(100), primary_key=True),
        sa.Column("sku_key", sa.String(100), nullable=False),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("price", _money()),
        sa.Column("currency", sa.String(3)),
        sa.Column("stock", sa.Integer),
        sa.Column("return_window_days", sa.Integer),
        sa.Column("loaded_at", _tz(), nullable=False),
        sa.Index("ix_products_key", "destination", "sku_key"),
    )
    sa.Table(
        "bookings",
        md,
        sa.Column("booking_id", sa.String(100), primary_key=True),
        sa.Column("booking_key", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), sa.ForeignKey("customers.customer_id")),
        sa.Column("store", sa.String(100), nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False, server_default=""),
        sa.Column("starts_at", _tz()),
        sa.Column("status", sa.String(50), nullable=False, server_default=""),
        sa.Column("location", sa.Text),
        sa.Column("loaded_at", _tz(), nullable=False),
        sa.Index("ix_bookings_key", "destination", "booking_key"),
        sa.Index("ix_bookings_customer", "customer_id"),
    )
    sa.Table(
        "calls",
        md,
        sa.Column("call_id", sa.String(200), primary_key=True),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("store", sa.String(100)),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("first_seen_at", _tz(), nullable=False),
        sa.Column("last_seen_at", _tz(), nullable=False),
    )
    sa.Table(
        "transcript_versions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(1000)),
        sa.Column("transcript", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.UniqueConstraint("call_id", "version", name="uq_versions_call_version"),
        sa.UniqueConstraint("call_id", "content_hash", name="uq_versions_call_hash"),
    )
    sa.Table(
        "extractions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("transcript_versions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("handoff", sa.JSON, nullable=False),
        sa.Column("backend", sa.String(50), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("prompt_id", sa.String(100)),
        sa.Column("created_at", _tz(), nullable=False),
    )
    sa.Table(
        "decisions",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column(
            "version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(300), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("match", sa.JSON),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("trace", sa.JSON, nullable=False),
        sa.Column("action", sa.JSON),
        sa.Column("priority", sa.JSON),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Index("ix_decisions_call", "call_id", "id"),
        sa.Index("ix_decisions_version", "version_id"),
    )
    sa.Table(
        "review_items",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column(
            "version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False
        ),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason_codes", sa.JSON, nullable=False),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("reviewed_at", _tz()),
        sa.Column("note", sa.Text),
        sa.Index("ix_review_items_state", "state", "id"),
        sa.Index("ix_review_items_call", "call_id"),
    )
    sa.Table(
        "outbox",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
        sa.Column(
            "version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False
        ),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("destination", sa.String(20), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("old_values", sa.JSON),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", _tz()),
        sa.Column("superseded_by", sa.Integer),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("sent_at", _tz()),
        sa.Index("ix_outbox_state", "state", "id"),
        sa.Index("ix_outbox_call", "call_id"),
    )
    sa.Table(
        "outbox_attempts",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Index("ix_outbox_attempts_outbox", "outbox_id"),
    )
    md.create_all(connection)

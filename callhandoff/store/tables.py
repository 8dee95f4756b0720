"""Runtime table objects for every table of the store, in one metadata.

The migrations create the tables (m0001_routing, m0002_eval_runs, m0003_eval_summaries, ...); these
objects describe the same columns and types, and `tests/store/test_tables.py`
checks every table and column against a migrated database. Timestamps go through
`UTCDateTime` so every value read back is timezone-aware, on SQLite (which stores no
offset) as on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware (UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _money() -> sa.Numeric[float]:
    return sa.Numeric(14, 2, asdecimal=False)


metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("customer_id", sa.String(100), primary_key=True),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("name_key", sa.String(300), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(32)),
    sa.Column("vip", sa.Boolean, nullable=False),
    sa.Column("loyalty_tier", sa.String(50)),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("loaded_at", UTCDateTime(), nullable=False),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.String(100), primary_key=True),
    sa.Column("order_key", sa.String(100), nullable=False),
    sa.Column("order_digits", sa.String(100)),
    sa.Column("customer_id", sa.String(100), sa.ForeignKey("customers.customer_id")),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("status", sa.String(50), nullable=False),
    sa.Column("total", _money(), nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("purchased_at", UTCDateTime()),
    sa.Column("delivered_at", UTCDateTime()),
    sa.Column("shipping_address", sa.Text),
    sa.Column("loaded_at", UTCDateTime(), nullable=False),
)

order_items = sa.Table(
    "order_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "order_id",
        sa.String(100),
        sa.ForeignKey("orders.order_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("sku", sa.String(100), nullable=False),
    sa.Column("sku_key", sa.String(100), nullable=False),
    sa.Column("product_name", sa.String(300), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", _money()),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("sku", sa.String(100), primary_key=True),
    sa.Column("sku_key", sa.String(100), nullable=False),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("price", _money()),
    sa.Column("currency", sa.String(3)),
    sa.Column("stock", sa.Integer),
    sa.Column("return_window_days", sa.Integer),
    sa.Column("loaded_at", UTCDateTime(), nullable=False),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("booking_id", sa.String(100), primary_key=True),
    sa.Column("booking_key", sa.String(100), nullable=False),
    sa.Column("customer_id", sa.String(100), sa.ForeignKey("customers.customer_id")),
    sa.Column("store", sa.String(100), nullable=False),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("starts_at", UTCDateTime()),
    sa.Column("status", sa.String(50), nullable=False),
    sa.Column("location", sa.Text),
    sa.Column("loaded_at", UTCDateTime(), nullable=False),
)

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("call_id", sa.String(200), primary_key=True),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("store", sa.String(100)),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("first_seen_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime(), nullable=False),
)

transcript_versions = sa.Table(
    "transcript_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.String(1000)),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # m0004_retention: when `callhandoff purge` removed the words
    sa.Column("purged_at", UTCDateTime()),
)

extractions = sa.Table(
    "extractions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False),
    sa.Column("handoff", sa.JSON, nullable=False),
    sa.Column("backend", sa.String(50), nullable=False),
    sa.Column("model", sa.String(200)),
    sa.Column("prompt_id", sa.String(100)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("purged_at", UTCDateTime()),  # m0004_retention
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("idempotency_key", sa.String(300), nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("match", sa.JSON),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("trace", sa.JSON, nullable=False),
    sa.Column("action", sa.JSON),
    sa.Column("priority", sa.JSON),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("reason_codes", sa.JSON, nullable=False),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("urgency", sa.String(10), nullable=False),
    # the card and proposed action: the decision's `action` (m0008_review_card)
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("reviewer", sa.String(200)),
    sa.Column("reviewed_at", UTCDateTime()),
    sa.Column("note", sa.Text),
    # m0006_review: optimistic version, claim, and the queue's sort and filter columns
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claimed_until", UTCDateTime()),
    sa.Column("priority_score", sa.Integer, nullable=False, server_default="0"),
    sa.Column("intent", sa.String(30)),
    sa.Column("search_text", sa.Text, nullable=False, server_default=""),
    sa.Column("purged_at", UTCDateTime()),  # m0004_retention
)

review_item_reasons = sa.Table(
    "review_item_reasons",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id"), primary_key=True),
    sa.Column("code", sa.String(100), primary_key=True),
)

review_actions = sa.Table(
    "review_actions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id"), nullable=False),
    sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
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
)

review_field_checks = sa.Table(
    "review_field_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("action_id", sa.Integer, sa.ForeignKey("review_actions.id"), nullable=False),
    sa.Column("field", sa.String(50), nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("bucket", sa.Integer),
    sa.Column("source", sa.String(100)),
    sa.Column("changed", sa.Boolean, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("call_id", sa.String(200), sa.ForeignKey("calls.call_id"), nullable=False),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("transcript_versions.id"), nullable=False),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
    sa.Column("destination", sa.String(20), nullable=False),
    sa.Column("action", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("old_values", sa.JSON),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", UTCDateTime()),
    sa.Column("superseded_by", sa.Integer),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime()),
    sa.Column("lease_owner", sa.String(200)),  # m0005
    sa.Column("lease_until", UTCDateTime()),  # m0005
)

outbox_attempts = sa.Table(
    "outbox_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Float, nullable=False),
)

eval_runs = sa.Table(
    "eval_runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("label", sa.String(200)),
    sa.Column("dataset_path", sa.String(1000), nullable=False),
    sa.Column("dataset_version", sa.String(64), nullable=False),
    sa.Column("dataset_items", sa.Integer, nullable=False),
    sa.Column("split", sa.String(20)),
    sa.Column("origin", sa.String(20)),
    sa.Column("backend", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200)),
    sa.Column("prompt_id", sa.String(200)),
    sa.Column("prompt_hash", sa.String(128)),
    sa.Column("repeats", sa.Integer, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("settings_json", sa.Text, nullable=False),
    sa.Column("metrics_json", sa.Text, nullable=False),
    # m0003_eval_summaries
    sa.Column("policy_path", sa.String(1000)),
    sa.Column("policy_hash", sa.String(64)),
    sa.Column("classifier_version", sa.String(64)),
    sa.Column("sample_size", sa.Integer),
    sa.Column("sample_seed", sa.Integer),
    sa.Column("group_by", sa.String(20)),
)

eval_run_items = sa.Table(
    "eval_run_items",
    metadata,
    sa.Column(
        "run_id",
        sa.String(64),
        sa.ForeignKey("eval_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("repeat_index", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("gold_json", sa.Text, nullable=False),
    sa.Column("output_json", sa.Text),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False),
    sa.Column("completion_tokens", sa.Integer, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False),
    sa.Column("cached", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text),
)

eval_summary_judgements = sa.Table(
    "eval_summary_judgements",
    metadata,
    sa.Column(
        "run_id",
        sa.String(64),
        sa.ForeignKey("eval_runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("item_id", sa.String(200), primary_key=True),
    sa.Column("prompt_hash", sa.String(64), primary_key=True),
    sa.Column("prompt_id", sa.String(200), nullable=False),
    sa.Column("judge_model", sa.String(200), nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("judged_at", UTCDateTime(), nullable=False),
)

# --- m0005_service: the live service ------------------------------------------------------

inbound_calls = sa.Table(
    "inbound_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("webhook_id", sa.String(200), nullable=False, unique=True),
    sa.Column("call_id", sa.String(200), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_until", UTCDateTime()),
    sa.Column("published_at", UTCDateTime()),
    sa.Column("error", sa.Text),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

destination_health = sa.Table(
    "destination_health",
    metadata,
    sa.Column("destination", sa.String(20), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("opened", sa.Integer, nullable=False),
    sa.Column("open_until", UTCDateTime()),
    sa.Column("last_error", sa.Text),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# --- m0007_policies: the policies decisions were made under --------------------------------

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

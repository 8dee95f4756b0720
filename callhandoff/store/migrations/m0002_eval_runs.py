"""Eval runs: one row per run (settings, dataset version, metrics) and one per item output.

Owned by the eval suite (`callhandoff.evals.runs`). Never edit after it has landed:
change the schema with a new, higher-numbered migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def upgrade(connection: Connection) -> None:
    """Create `eval_runs` and `eval_run_items`."""
    metadata = sa.MetaData()
    sa.Table(
        "eval_runs",
        metadata,
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("dataset_path", sa.String(1000), nullable=False),
        sa.Column("dataset_version", sa.String(64), nullable=False),
        sa.Column("dataset_items", sa.Integer, nullable=False),
        sa.Column("split", sa.String(20), nullable=True),
        sa.Column("origin", sa.String(20), nullable=True),
        sa.Column("backend", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("prompt_id", sa.String(200), nullable=True),
        sa.Column("prompt_hash", sa.String(128), nullable=True),
        sa.Column("repeats", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
        sa.Column("metrics_json", sa.Text, nullable=False),
    )
    sa.Table(
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
        sa.Column("output_json", sa.Text, nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("prompt_tokens", sa.Integer, nullable=False),
        sa.Column("completion_tokens", sa.Integer, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    metadata.create_all(connection)

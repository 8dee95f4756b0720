"""Eval runs record what they ran with; summary verdicts of the LLM judge are kept per item.

Adds to `eval_runs` the routing policy (path and content hash), the offline
classifier's version, the stratified sample (size and seed) and the breakdown
(`--by origin`) a run was made with, and creates `eval_summary_judgements`: one
verdict of the summary judge per run, item and judge prompt.

Owned by the eval suite (`callhandoff.evals`). Never edit after it has landed:
change the schema with a new, higher-numbered migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_NEW_RUN_COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("policy_path", sa.String(1000), nullable=True),
    sa.Column("policy_hash", sa.String(64), nullable=True),
    sa.Column("classifier_version", sa.String(64), nullable=True),
    sa.Column("sample_size", sa.Integer, nullable=True),
    sa.Column("sample_seed", sa.Integer, nullable=True),
    sa.Column("group_by", sa.String(20), nullable=True),
)


def upgrade(connection: Connection) -> None:
    """Add the run-configuration columns and create `eval_summary_judgements`."""
    preparer = connection.dialect.identifier_preparer
    for column in _NEW_RUN_COLUMNS:
        kind = column.type.compile(dialect=connection.dialect)
        connection.execute(
            sa.text(f"ALTER TABLE eval_runs ADD COLUMN {preparer.quote(column.name)} {kind}")
        )
    metadata = sa.MetaData()
    sa.Table("eval_runs", metadata, sa.Column("run_id", sa.String(64), primary_key=True))
    sa.Table(
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
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
    )
    metadata.tables["eval_summary_judgements"].create(connection)

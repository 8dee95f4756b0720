"""Eval runs in the store: one row per run, one per item output, one per judge verdict.

Tables of m0002 (runs, item outputs) and m0003 (run configuration columns, summary
verdicts of the judge). The eval suite (`callhandoff.evals.runs`,
`callhandoff.evals.judge`) turns its models into these rows and back; every query
on these tables is here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.store.tables import eval_run_items, eval_runs, eval_summary_judgements


@dataclass(frozen=True)
class EvalRunRow:
    """One `eval_runs` row: how a run was made and, as JSON, what it scored."""

    run_id: str
    created_at: datetime
    label: str | None
    dataset_path: str
    dataset_version: str
    dataset_items: int
    split: str | None
    origin: str | None
    backend: str
    model: str | None
    prompt_id: str | None
    prompt_hash: str | None
    repeats: int
    duration_s: float
    settings_json: str
    metrics_json: str
    policy_path: str | None = None
    policy_hash: str | None = None
    classifier_version: str | None = None
    sample_size: int | None = None
    sample_seed: int | None = None
    group_by: str | None = None


@dataclass(frozen=True)
class EvalItemRow:
    """One `eval_run_items` row: an item's gold and output as JSON, and its usage."""

    run_id: str
    item_id: str
    repeat_index: int
    position: int
    gold_json: str
    output_json: str | None
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cached: bool
    error: str | None


@dataclass(frozen=True)
class JudgementRow:
    """One `eval_summary_judgements` row: the judge's verdict on one item's summary."""

    run_id: str
    item_id: str
    prompt_hash: str
    prompt_id: str
    judge_model: str
    verdict: str
    reason: str
    judged_at: datetime


def _run(row: sa.Row[Any]) -> EvalRunRow:
    return EvalRunRow(**row._mapping)


_NEWEST_FIRST = (eval_runs.c.created_at.desc(), eval_runs.c.run_id.desc())


def insert_run(engine: Engine, run: EvalRunRow, items: list[EvalItemRow]) -> None:
    """Store a run and its items in one transaction."""
    with engine.begin() as connection:
        connection.execute(eval_runs.insert().values(**asdict(run)))
        if items:
            connection.execute(eval_run_items.insert(), [asdict(item) for item in items])


def recent_runs(engine: Engine, limit: int) -> list[EvalRunRow]:
    """The most recent runs, newest first."""
    query = sa.select(eval_runs).order_by(*_NEWEST_FIRST).limit(limit)
    with engine.connect() as connection:
        return [_run(row) for row in connection.execute(query)]


def run_id_back(engine: Engine, back: int) -> str | None:
    """The id of the run `back` places before the newest (0 = the newest), if there is one."""
    query = sa.select(eval_runs.c.run_id).order_by(*_NEWEST_FIRST).offset(back).limit(1)
    with engine.connect() as connection:
        found = connection.execute(query).scalar_one_or_none()
    return None if found is None else str(found)


def run_ids_starting(engine: Engine, prefix: str) -> list[str]:
    """Every run id that starts with `prefix` (taken literally), sorted."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = sa.select(eval_runs.c.run_id).where(eval_runs.c.run_id.like(f"{escaped}%", escape="\\"))
    with engine.connect() as connection:
        return sorted(str(r) for r in connection.execute(query).scalars())


def run(engine: Engine, run_id: str) -> EvalRunRow | None:
    """The run with exactly this id."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(eval_runs).where(eval_runs.c.run_id == run_id)).first()
    return None if row is None else _run(row)


def items(engine: Engine, run_id: str) -> list[EvalItemRow]:
    """Every item row of a run, in dataset order then repeat order."""
    query = (
        sa.select(eval_run_items)
        .where(eval_run_items.c.run_id == run_id)
        .order_by(eval_run_items.c.repeat_index, eval_run_items.c.position)
    )
    with engine.connect() as connection:
        return [EvalItemRow(**row._mapping) for row in connection.execute(query)]


def save_judgements(engine: Engine, rows: list[JudgementRow]) -> None:
    """Store verdicts, replacing an earlier verdict of the same prompt on the same item."""
    if not rows:
        return
    table = eval_summary_judgements
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                table.delete().where(
                    (table.c.run_id == row.run_id)
                    & (table.c.item_id == row.item_id)
                    & (table.c.prompt_hash == row.prompt_hash)
                )
            )
        connection.execute(table.insert(), [asdict(row) for row in rows])


def judgements(engine: Engine, run_id: str) -> list[JudgementRow]:
    """Every verdict stored for a run, oldest first."""
    table = eval_summary_judgements
    query = (
        sa.select(table)
        .where(table.c.run_id == run_id)
        .order_by(table.c.judged_at, table.c.item_id)
    )
    with engine.connect() as connection:
        return [JudgementRow(**row._mapping) for row in connection.execute(query)]

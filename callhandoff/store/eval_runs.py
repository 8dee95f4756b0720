"""Eval runs in the store: one row per run and one per item output (tables of m0002).

The eval suite (`callhandoff.evals.runs`) turns its models into these rows and
back; every query on the two tables is here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.store.tables import eval_run_items, eval_runs


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

"""What the `callhandoff eval` commands share: the store, the thresholds file, run arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from callhandoff.evals import runs as run_store
from callhandoff.evals.records import ItemRun
from callhandoff.evals.runs import RunRecord
from callhandoff.evals.thresholds import Thresholds, load_thresholds
from callhandoff.settings import Settings
from callhandoff.store.db import open_store

DEFAULT_DATASET = Path("evals/datasets/dev.jsonl")
DEFAULT_THRESHOLDS = Path("evals/thresholds.yaml")
RunRef = Annotated[str, typer.Argument(help="Run id, a unique prefix of one, or latest[~N].")]


def store(settings: Settings) -> Engine:
    """The project store the runs live in."""
    return open_store(settings.resolved_database_url)


def thresholds_or_default(path: Path | None) -> Thresholds:
    """The given file; else evals/thresholds.yaml when present; else the built-in weights."""
    if path is not None:
        return load_thresholds(path)
    return load_thresholds(DEFAULT_THRESHOLDS) if DEFAULT_THRESHOLDS.is_file() else Thresholds()


def load_with_items(engine: Engine, ref: str) -> tuple[RunRecord, list[ItemRun]]:
    """A stored run and its item outputs."""
    record = run_store.load_run(engine, ref)
    return record, run_store.load_items(engine, record.run_id)

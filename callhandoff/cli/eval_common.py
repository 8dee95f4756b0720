"""What the `callhandoff eval` commands share: the store, the thresholds file, run arguments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from callhandoff.cli.common import open_engine
from callhandoff.evals.defaults import DEFAULT_THRESHOLDS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from callhandoff.evals.records import ItemRun
    from callhandoff.evals.runs import RunRecord
    from callhandoff.evals.thresholds import Thresholds
    from callhandoff.settings import Settings

RunRef = Annotated[str, typer.Argument(help="Run id, a unique prefix of one, or latest[~N].")]


def store(settings: Settings) -> Engine:
    """The project store the runs live in (a store that cannot be opened is an error line)."""
    return open_engine(settings)


def thresholds_or_default(path: Path | None) -> Thresholds:
    """The given file; else evals/thresholds.yaml when present; else the built-in weights."""
    from callhandoff.evals.thresholds import Thresholds, load_thresholds

    if path is not None:
        return load_thresholds(path)
    return load_thresholds(DEFAULT_THRESHOLDS) if DEFAULT_THRESHOLDS.is_file() else Thresholds()


def load_with_items(engine: Engine, ref: str) -> tuple[RunRecord, list[ItemRun]]:
    """A stored run and its item outputs."""
    from callhandoff.evals import runs as run_store

    record = run_store.load_run(engine, ref)
    return record, run_store.load_items(engine, record.run_id)

"""A store holding the example calls as `process` leaves them, two eval runs that differ,
and a per-test copy of it that the settings point at.

The calls are processed under a policy that asks for an intent of confidence 0.99
(a reviewer gives 1.0), so every call but the wrong number and the booking move awaits review
whatever the shipped classifier predicts; the review service then decides edits with
the default policy, as in production."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.evals.dataset import Dataset
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun, RunOutput
from callhandoff.evals.runs import save_run
from callhandoff.schema import DecisionKind, Intent
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from tests.evals.fakes import gold_item, handoff, item_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T0 = dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC)


def _save_runs(url: str) -> None:
    """Run A and run B over three items: one goes right → wrong, one wrong → right, one
    wrong → differently wrong (and its decision costs more in B)."""
    a = gold_item("a", intent=Intent.REFUND, decision=DecisionKind.REVIEW)
    b = gold_item("b", intent=Intent.ORDER_STATUS, decision=DecisionKind.CREATE)
    c = gold_item("c", intent=Intent.CANCEL_ORDER, decision=DecisionKind.REVIEW)
    outputs = {
        "A": [
            item_run(a, handoff("call-a", intent=Intent.REFUND), decision=DecisionKind.REVIEW),
            item_run(b, handoff("call-b", intent=Intent.REFUND), decision=DecisionKind.REVIEW,
                     position=1),
            item_run(c, handoff("call-c", intent=Intent.REFUND), decision=DecisionKind.REVIEW,
                     position=2),
        ],
        "B": [
            item_run(a, handoff("call-a", intent=Intent.COMPLAINT), decision=DecisionKind.REVIEW),
            item_run(b, handoff("call-b", intent=Intent.ORDER_STATUS),
                     decision=DecisionKind.CREATE, position=1),
            item_run(c, handoff("call-c", intent=Intent.COMPLAINT), decision=DecisionKind.CREATE,
                     position=2),
        ],
    }  # fmt: skip
    engine = open_store(url)
    for offset, (label, items) in enumerate(outputs.items()):
        runs: list[ItemRun] = items
        data = Dataset(path="evals/datasets/dev.jsonl", version="ab" * 32,
                       items=tuple(run.item for run in runs), split="dev")  # fmt: skip
        started = T0 + dt.timedelta(minutes=offset)
        output = RunOutput(dataset=data, items=tuple(runs), backend="fake", model="m-1",
                           prompt_id=f"prompt-{label}", prompt_hash="f" * 64, repeat=1,
                           started_at=started, duration_s=1.0)  # fmt: skip
        _, metrics = score_runs(runs)
        save_run(engine, output, metrics, Settings(), label=f"run {label}")
    engine.dispose()


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example calls processed once into a SQLite store (WAL checkpointed)."""
    folder = tmp_path_factory.mktemp("examples-store")
    policy = folder / "review_everything.yaml"
    policy.write_text("field_confidence:\n  request.intent: 0.99\n", encoding="utf-8")
    env = {
        "CALLHANDOFF_DATA_DIR": str(folder),
        "CALLHANDOFF_DATABASE_URL": "",
        "CALLHANDOFF_POLICY_PATH": str(policy),
    }
    runner = CliRunner()
    loaded = runner.invoke(app, ["directory", "load", str(EXAMPLES / "store")], env=env)
    assert loaded.exit_code == 0, loaded.output
    done = runner.invoke(
        app, ["process", str(EXAMPLES), "--out", str(folder / "handoffs.jsonl")], env=env
    )
    assert done.exit_code == 0, done.output
    path = folder / "callhandoff.db"
    _save_runs(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def store_url(store_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh copy of the example store, named by CALLHANDOFF_DATABASE_URL for this test."""
    copy = tmp_path / "review-store" / "callhandoff.db"
    copy.parent.mkdir()
    shutil.copyfile(store_template, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("CALLHANDOFF_DATABASE_URL", url)
    return url

"""Runs in the store: saved once, found by id, prefix or latest, read back whole, no secrets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from callhandoff.evals.dataset import Dataset
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun, RunOutput
from callhandoff.evals.runs import (
    list_runs,
    load_items,
    load_run,
    resolve_run_id,
    safe_settings,
    save_run,
)
from callhandoff.exceptions import NotFoundError
from callhandoff.schema import DecisionKind, Intent
from callhandoff.settings import Settings
from callhandoff.store.db import applied_migrations, open_store

from .fakes import gold_item, handoff, item_run


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'store.db'}")


def output(started: dt.datetime, items: list[ItemRun]) -> RunOutput:
    data = Dataset(path="evals/datasets/dev.jsonl", version="ab" * 32,
                   items=tuple(run.item for run in items), split="dev")  # fmt: skip
    return RunOutput(dataset=data, items=tuple(items), backend="fake", model="m-1",
                     prompt_id="handoff-v2", prompt_hash="f" * 64, repeat=1,
                     started_at=started, duration_s=1.5)  # fmt: skip


def save(engine: Engine, started: dt.datetime, label: str | None = None) -> str:
    a = gold_item("a", decision=DecisionKind.REVIEW)
    items = [item_run(a, handoff("call-a", intent=Intent.REFUND), decision=DecisionKind.REVIEW,
                      latency_ms=5.0, cost_usd=0.002)]  # fmt: skip
    _, metrics = score_runs(items)
    return save_run(engine, output(started, items), metrics, Settings(), label=label).run_id


T0 = dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC)


def test_the_migration_creates_the_eval_tables(engine: Engine) -> None:
    assert "m0002_eval_runs" in applied_migrations(engine)


def test_a_saved_run_reads_back_with_its_metrics_and_items(engine: Engine) -> None:
    run_id = save(engine, T0, label="baseline")
    record = load_run(engine, run_id)
    assert record.label == "baseline"
    assert record.created_at == T0
    assert record.created_at.tzinfo is not None
    assert (record.backend, record.model, record.prompt_id) == ("fake", "m-1", "handoff-v2")
    assert record.dataset_version == "ab" * 32
    assert record.metrics.intent.accuracy == 1.0
    items = load_items(engine, run_id)
    assert len(items) == 1
    assert items[0].result is not None
    assert items[0].result.decision is not None
    assert items[0].cost_usd == 0.002
    assert score_runs(items)[1].decision.accuracy == 1.0


def test_runs_are_found_by_latest_prefix_and_id(engine: Engine) -> None:
    older = save(engine, T0)
    newer = save(engine, T0 + dt.timedelta(hours=1))
    assert resolve_run_id(engine, "latest") == newer
    assert resolve_run_id(engine, "latest~1") == older
    assert resolve_run_id(engine, newer[:15]) == newer
    assert [r.run_id for r in list_runs(engine)] == [newer, older]
    with pytest.raises(NotFoundError, match="ambiguous"):
        resolve_run_id(engine, "2025")
    with pytest.raises(NotFoundError, match="no eval run 'nope'"):
        resolve_run_id(engine, "nope")
    with pytest.raises(NotFoundError, match="no eval run 'latest~5'"):
        resolve_run_id(engine, "latest~5")


def test_stored_settings_hold_no_secrets() -> None:
    settings = Settings(
        api_key=SecretStr("sk-secret"),
        base_url="https://user:pw@llm.example/v1",
        destination_token=SecretStr("tok"),
    )
    stored = safe_settings(settings)
    assert "api_key" not in stored
    assert "destination_token" not in stored
    assert stored["base_url"] == "https://user:***@llm.example/v1"
    assert "sk-secret" not in str(stored) and "pw" not in str(stored)
    assert stored["model"] == settings.model
    assert stored["context_tokens"] == settings.context_tokens  # a limit, not a secret


def test_a_run_started_in_another_zone_reads_back_as_the_same_instant(engine: Engine) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    started = dt.datetime(2025, 3, 14, 11, 0, tzinfo=paris)
    record = load_run(engine, save(engine, started))
    assert record.created_at == started
    assert record.created_at.utcoffset() == dt.timedelta(0)


def test_a_store_made_before_m0003_gains_the_new_columns_and_keeps_its_runs(
    tmp_path: Path,
) -> None:
    import sqlalchemy as sa

    from callhandoff.store.migrations import m0001_routing, m0002_eval_runs

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = sa.create_engine(url)
    with old.begin() as connection:
        m0001_routing.upgrade(connection)
        m0002_eval_runs.upgrade(connection)
        connection.execute(sa.text("CREATE TABLE _migrations (name VARCHAR(200) PRIMARY KEY, "
                                   "applied_at DATETIME NOT NULL)"))  # fmt: skip
        for name in ("m0001_routing", "m0002_eval_runs"):
            connection.execute(sa.text("INSERT INTO _migrations VALUES (:n, '2025-03-01')"),
                               {"n": name})  # fmt: skip
    old.dispose()
    engine = open_store(url)
    assert "m0003_eval_summaries" in applied_migrations(engine)
    record = load_run(engine, save(engine, T0))
    assert (record.policy_hash, record.classifier_version, record.sample_size) == (None, None, None)


def test_a_run_records_its_policy_classifier_and_sample(engine: Engine) -> None:
    a = gold_item("a")
    items = [item_run(a, handoff("call-a", intent=Intent.REFUND))]
    data = Dataset(path="dev.jsonl", version="cd" * 32, items=(a,), sample_size=1, sample_seed=7)
    output = RunOutput(dataset=data, items=tuple(items), backend="offline", model=None,
                       prompt_id=None, prompt_hash=None, repeat=1, started_at=T0, duration_s=0.1,
                       policy_path="my_policy.yaml", policy_hash="f" * 16,
                       classifier_version="c" * 16)  # fmt: skip
    run_id = save_run(engine, output, score_runs(items)[1], Settings(), group_by="origin").run_id
    record = load_run(engine, run_id)
    assert (record.policy_path, record.policy_hash) == ("my_policy.yaml", "f" * 16)
    assert (record.classifier_version, record.sample_size, record.sample_seed) == ("c" * 16, 1, 7)
    assert record.group_by == "origin"

"""`callhandoff purge --older-than AGE [--dry-run]`: what it says, what it leaves, and a
purged call processed again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.schema.handoff import ExtractionMeta, Handoff
from callhandoff.store.db import open_store
from callhandoff.store.tables import transcript_versions
from callhandoff.summarizer.cache import CACHE_FILE, LLMCache
from tests.review.fixtures import EXAMPLES, store_template, store_url

__all__ = ["store_template", "store_url"]
runner = CliRunner()
CALL = "dn-2025-03-0001"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose model cache holds one answer from 40 days ago and one from now."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(folder))
    cache = LLMCache.in_data_dir(folder)
    answer = Handoff(call_id="cached-1", destination="cloudcart", meta=ExtractionMeta(backend="x"))
    cache.put("old", answer, transcript_hash="h1")
    cache.put("new", answer, transcript_hash="h2")
    cache.close()
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    with sqlite3.connect(folder / CACHE_FILE) as connection:
        connection.execute("UPDATE llm_cache SET created_at = ? WHERE key = 'old'", (old,))
    return folder


def _age_all(url: str, days: int = 40) -> None:
    engine = open_store(url)
    with engine.begin() as connection:
        connection.execute(
            sa.update(transcript_versions).values(
                created_at=datetime.now(UTC) - timedelta(days=days)
            )
        )
    engine.dispose()


def _versions(url: str) -> list[tuple[int, bool]]:
    engine = open_store(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(transcript_versions.c.version, transcript_versions.c.purged_at)
            .where(transcript_versions.c.call_id == CALL)
            .order_by(transcript_versions.c.version)
        ).all()
    engine.dispose()
    return [(int(version), at is not None) for version, at in rows]


def test_dry_run_then_purge_then_explain(store_url: str, data_dir: Path) -> None:
    _age_all(store_url)
    dry = runner.invoke(app, ["purge", "--older-than", "30d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would purge 13 transcript version(s) of 13 call(s)" in dry.output
    assert "1 cached model answer(s)" in dry.output and CALL in dry.output
    assert _versions(store_url) == [(1, False)]
    done = runner.invoke(app, ["purge", "--older-than", "30d"])
    assert done.exit_code == 0, done.output
    assert "purged 13 transcript version(s) of 13 call(s)" in done.output
    assert _versions(store_url) == [(1, True)]
    assert len(LLMCache.in_data_dir(data_dir)) == 1  # the recent answer stays
    explained = runner.invoke(app, ["explain", CALL])
    assert explained.exit_code == 0, explained.output
    assert "Transcript purged on" in explained.output and "Decision: REVIEW" in explained.output
    again = runner.invoke(app, ["purge", "--older-than", "30d"])
    assert "purged 0 transcript version(s) of 0 call(s)" in again.output


def test_nothing_newer_than_the_retention_time_is_touched(store_url: str, data_dir: Path) -> None:
    result = runner.invoke(app, ["purge", "--older-than", "12h"])
    assert result.exit_code == 0, result.output
    assert "purged 0 transcript version(s)" in result.output
    assert _versions(store_url) == [(1, False)]


def test_a_purged_call_processed_again_is_a_new_version(
    store_url: str, data_dir: Path, tmp_path: Path
) -> None:
    _age_all(store_url)
    assert runner.invoke(app, ["purge", "--older-than", "30d"]).exit_code == 0
    out = tmp_path / "again.jsonl"
    result = runner.invoke(app, ["process", str(EXAMPLES), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert _versions(store_url) == [(1, True), (2, False)]
    explained = runner.invoke(app, ["explain", CALL])
    assert "transcript version 2 of 2" in explained.output
    assert "Other transcript versions purged: 1 on" in explained.output


@pytest.mark.parametrize("age", ["30", "30x", "thirty days", "0d", "-5d"])
def test_an_unreadable_age_is_one_error_line(store_url: str, data_dir: Path, age: str) -> None:
    result = runner.invoke(app, ["purge", "--older-than", age])
    assert result.exit_code == 2
    assert "--older-than" in result.output and "Traceback" not in result.output

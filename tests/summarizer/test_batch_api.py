"""Bulk back-fills through the Batch API, against the local fake Files + Batches server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.settings import Settings
from callhandoff.summarizer.batch_api import BATCH_DISCOUNT, BatchBackfill
from callhandoff.summarizer.fake_batch_server import BatchState, running_fake_batch_server
from callhandoff.summarizer.llm_backend import LLMBackend
from tests.service.helpers import example_calls

pytestmark = pytest.mark.allow_model_calls


class _Crash(Exception):
    pass


def _settings(base_url: str) -> Settings:
    return Settings(
        base_url=base_url,
        model="gpt-4o-mini",
        batch_poll_s=0.01,
        provider="openai",
        api_key="sk-test",  # type: ignore[arg-type]
    )


def test_a_backfill_answers_every_call_at_half_price_and_fills_the_cache() -> None:
    calls = example_calls()
    with running_fake_batch_server(BatchState(polls_before_done=2)) as server:
        backend = LLMBackend(_settings(server.base_url))
        polls: list[str] = []
        backfill = BatchBackfill(backend, on_status=lambda b, s, c: polls.append(s))
        report = backfill.run(calls)
        again = BatchBackfill(backend).run(calls)
        assert server.state.created == 1
        (batch_input,) = [f for f in server.state.files.values() if b'"method"' in f]
    assert report.answered == len(calls) and report.failed == {}
    assert polls == ["in_progress", "in_progress", "completed"]
    price = backend.price.cost(report.prompt_tokens, report.completion_tokens)
    assert report.cost_usd == pytest.approx(BATCH_DISCOUNT * price)
    assert (again.already_cached, again.sent, again.batches) == (len(calls), 0, [])
    first = json.loads(batch_input.splitlines()[0])
    assert first["url"] == "/v1/chat/completions"
    assert first["body"]["tools"][0]["function"]["name"]  # the live backend's tools mode
    assert first["custom_id"] == backend.key_for(calls[0])
    cached = backend._cache.get(first["custom_id"])
    backend.close()
    assert cached is not None and cached.meta.backend == "openai"
    assert cached.request.intent is not None


def test_a_crashed_backfill_resumes_its_batch_instead_of_paying_twice() -> None:
    calls = example_calls()
    with running_fake_batch_server(BatchState(polls_before_done=3)) as server:
        settings = _settings(server.base_url)

        def crash(_seconds: float) -> None:
            raise _Crash

        with pytest.raises(_Crash):
            BatchBackfill(LLMBackend(settings), sleep=crash).run(calls)
        backend = LLMBackend(settings)
        report = BatchBackfill(backend, sleep=lambda s: None).run(calls)
        assert server.state.created == 1
    assert report.answered == len(calls) and report.sent == 0
    assert len(report.batches) == 1


def test_requests_the_batch_could_not_answer_are_left_for_live_calls() -> None:
    calls = example_calls()[:3]
    with running_fake_batch_server() as server:
        backend = LLMBackend(_settings(server.base_url))
        server.state.fail_ids = {backend.key_for(calls[1])}
        report = BatchBackfill(backend, sleep=lambda s: None).run(calls)
        assert backend._cache.get(backend.key_for(calls[1])) is None
    assert report.answered == 2
    assert list(report.failed) == [calls[1].call_id]


def test_process_batch_api_then_routes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    lines: list[dict[str, Any]] = [
        c.model_dump(mode="json", exclude={"source"}) for c in example_calls()[:4]
    ]
    (folder / "calls.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    with running_fake_batch_server() as server:
        monkeypatch.setenv("CALLHANDOFF_BASE_URL", server.base_url)
        monkeypatch.setenv("CALLHANDOFF_PROVIDER", "openai")
        monkeypatch.setenv("CALLHANDOFF_API_KEY", "sk-test")
        monkeypatch.setenv("CALLHANDOFF_BATCH_POLL_S", "0.01")
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(
            app, ["process", str(folder), "--batch-api", "--no-progress", "--out", "out.jsonl"]
        )
        assert server.state.created == 1
    assert result.exit_code == 0, result.output
    assert "batch back-fill: 4 answered" in result.output
    handoffs = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [h["handoff"]["meta"]["cached"] for h in handoffs] == [True] * 4
    assert all(h["decision"]["kind"] for h in handoffs)


def test_process_batch_api_needs_a_model_endpoint(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["process", str(tmp_path), "--batch-api"])
    assert result.exit_code == 2 and "--batch-api needs the openai backend" in result.output

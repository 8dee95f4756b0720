"""Through a real HTTP stack: the backend and `callhandoff process` against a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.summarizer.fake_server import running_fake_server
from callhandoff.summarizer.llm_backend import LLMBackend

from .helpers import settings, transcript

pytestmark = pytest.mark.allow_model_calls


def test_concurrent_batch_then_warm_rerun_without_model_calls(tmp_path: Path) -> None:
    calls = [
        transcript(
            f"c{i}", [("customer", f"I want a refund for order 77{i}-1234567"), ("agent", "ok")]
        )
        for i in range(12)
    ]
    with running_fake_server(delay_s=0.02) as server:
        cfg = settings(tmp_path, base_url=server.base_url, concurrency=4)
        backend = LLMBackend(cfg)
        cold = list(backend.extract_many(calls))
        backend.close()
        assert server.served == 12
        backend = LLMBackend(cfg)
        warm = list(backend.extract_many(calls))
        backend.close()
        assert server.served == 12  # nothing new was sent
    assert [h.call_id for h in cold] == [t.call_id for t in calls]
    assert all(h.meta.fallback_reason is None for h in cold)
    assert all(h.meta.cached for h in warm)
    assert cold[3].records.order_id is not None
    assert cold[3].records.order_id.value == "773-1234567"


def test_cli_process_with_the_openai_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from callhandoff.cli.app import app

    source = tmp_path / "calls.jsonl"
    source.write_text(
        "\n".join(transcript(f"cli-{i}").model_dump_json() for i in range(3)) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "handoffs.jsonl"
    monkeypatch.chdir(tmp_path)
    with running_fake_server() as server:
        monkeypatch.setenv("CALLHANDOFF_MODEL", "test-model")
        monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
        result = CliRunner().invoke(
            app,
            [
                "process",
                str(source),
                "--backend",
                "openai",
                "--base-url",
                server.base_url,
                "--concurrency",
                "2",
                "--out",
                str(out),
                "--no-progress",
            ],
        )
        assert result.exit_code == 0, result.output
        assert server.served == 3
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["call_id"] for r in rows] == ["cli-0", "cli-1", "cli-2"]
    meta = rows[0]["handoff"]["meta"]
    assert meta["backend"] == "openai" and meta["prompt_id"] == "handoff-v2"
    assert meta["prompt_tokens"] > 0 and "latency_ms" in meta

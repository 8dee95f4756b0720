"""The LLM flags of the CLI: run budgets (`process --max-tokens`) and eval recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from summarizer.helpers import transcript
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.summarizer.fake_server import running_fake_server

pytestmark = pytest.mark.allow_model_calls
CALLS = [f"budget-{i}" for i in range(3)]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLHANDOFF_MODEL", "test-model")
    monkeypatch.setenv("CALLHANDOFF_MAX_COMPLETION_TOKENS", "200")
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "calls.jsonl").write_text(
        "".join(transcript(call).model_dump_json() + "\n" for call in CALLS), encoding="utf-8"
    )
    return tmp_path


def process(base_url: str, *extra: str) -> str:
    result = CliRunner().invoke(
        app,
        ["process", "calls.jsonl", "--backend", "openai", "--base-url", base_url,
         "--concurrency", "1", "--no-route", "--no-progress", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def written() -> list[dict[str, object]]:
    return [json.loads(line) for line in Path("handoffs.jsonl").read_text().splitlines()]


def test_a_token_limit_leaves_calls_pending_and_a_rerun_finishes_them(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake_server() as server:
        monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(workdir / "probe"))
        process(server.base_url)  # how many tokens one call takes
        per_call = written()[0]["handoff"]["meta"]  # type: ignore[index]
        tokens = per_call["prompt_tokens"] + per_call["completion_tokens"]
        monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(workdir / "data"))
        before = server.served

        out = process(server.base_url, "--max-tokens", str(int(tokens * 1.6)))
        assert server.served - before == 1
        assert "2 calls left pending, not failed: the run's token limit of" in " ".join(out.split())
        assert "Run the same command again to continue" in " ".join(out.split())
        assert [row["call_id"] for row in written()] == ["budget-0"]

        out = process(server.base_url)
        assert server.served - before == 3  # the finished call came from the cache
        assert [row["call_id"] for row in written()] == CALLS
        assert "left pending" not in out


def test_eval_run_records_then_replays_without_a_server(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.fakes import gold_item

    (workdir / "dev.jsonl").write_text(
        "".join(gold_item(name).model_dump_json() + "\n" for name in "abc"), encoding="utf-8"
    )
    monkeypatch.setenv("CALLHANDOFF_PRICE_INPUT_PER_MTOK", "1.0")
    monkeypatch.setenv("CALLHANDOFF_PRICE_OUTPUT_PER_MTOK", "2.0")
    runner = CliRunner()
    args = ["eval", "run", "--dataset", "dev.jsonl", "--no-route", "--no-progress"]
    with running_fake_server() as server:
        result = runner.invoke(
            app, [*args, "--backend", "hybrid", "--base-url", server.base_url,
                  "--record", "run.jsonl.gz"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert server.served == 3
    recorded = " ".join(result.output.split())
    assert "model exchanges recorded in run.jsonl.gz" in recorded
    spent = recorded.split("model cost $")[1].split(" ")[0]
    assert float(spent) > 0

    monkeypatch.delenv("CALLHANDOFF_MODEL")
    result = runner.invoke(app, [*args, "--replay", "run.jsonl.gz"])  # server is gone
    assert result.exit_code == 0, result.output
    replayed = " ".join(result.output.split())
    assert f"model cost $0.0000 spent, ${spent} replayed" in replayed
    assert "intent accuracy" in replayed
    listing = runner.invoke(app, ["eval", "list"]).output
    assert listing.count("hybrid / test-model") == 2


def test_a_committed_recording_of_the_real_model_replays_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three training calls answered by Qwen2.5-Coder-1.5B through the hybrid backend."""
    fixtures = Path(__file__).parent / "fixtures"
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    args = ["eval", "run", "--dataset", str(fixtures / "train3.jsonl"), "--no-route"]
    result = runner.invoke(
        app, [*args, "--replay", str(fixtures / "train3-hybrid-qwen.jsonl.gz"), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "model cost $0.0000 spent" in out and "fallback rate │ 0.000" in out
    report = runner.invoke(app, ["eval", "report", "latest", "--no-html-file"]).output
    assert "Usage per item" in report
    rows = [line for line in report.splitlines() if line.startswith("│ hw-2005")]
    [row] = [r for r in rows if "yes" in r]  # prompt and completion tokens, replayed
    prompt_tokens, completion_tokens = (int(cell) for cell in row.split("│")[2:4])
    assert prompt_tokens > 1000 and completion_tokens > 100  # two attempts, summed

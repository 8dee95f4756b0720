"""End to end: secrets said on calls reach no artefact, on the offline and the LLM path.

The corpus (every case in all four formats, plus unreadable records) is processed
by `callhandoff process` against the demo store; then every byte of the output,
the rejects file, the store (calls, versions, extractions, decisions, review items,
outbox payloads), the data folder (model cache), the terminal output, the log
records and every request body the model server received is searched for each
secret, written, spoken or spelled.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.summarizer.fake_server import running_fake_server

from .corpus import CASES, REJECTED, leaks, write_corpus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def _artefacts(root: Path) -> dict[str, str]:
    """Every file under `root`, as text (binary files such as the SQLite store included)."""
    return {
        str(path.relative_to(root)): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "calls" not in path.relative_to(root).parts
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    written = write_corpus(tmp_path / "calls")
    assert written == 4 * len(CASES) >= 160
    assert runner.invoke(app, ["directory", "load", str(EXAMPLES / "store")]).exit_code == 0
    return tmp_path


def _check(workdir: Path, outputs: list[str], caplog: pytest.LogCaptureFixture) -> None:
    found = {name: leaks(text) for name, text in _artefacts(workdir).items()}
    found["terminal"] = leaks("\n".join(outputs))
    found["logs"] = leaks(caplog.text)
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_offline_path_leaks_no_secret(workdir: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(app, ["process", "calls/", "--out", "out.jsonl", "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = (workdir / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 * len(CASES)
    rejects = (workdir / "out.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == len(REJECTED)
    assert all("[redacted " in line for line in rejects)
    assert all('"sensitive_data_shared"' in line for line in lines)  # flagged, masked
    outbox = runner.invoke(app, ["outbox"])
    explain = runner.invoke(app, ["explain", "otp-spoken-texted-native"])
    assert explain.exit_code == 0, explain.output
    _check(workdir, [result.output, outbox.output, explain.output], caplog)


@pytest.mark.allow_model_calls
def test_llm_path_sends_and_keeps_no_secret(
    workdir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("CALLHANDOFF_MODEL", "test-model")
    with running_fake_server() as server:
        result = runner.invoke(
            app,
            ["process", "calls/", "--backend", "openai", "--base-url", server.base_url,
             "--out", "out.jsonl", "--no-progress", "--concurrency", "4"],
        )  # fmt: skip
        bodies = [body.decode("utf-8") for body in server.request_bodies]
    assert result.exit_code == 0, result.output
    assert len(bodies) == 4 * len(CASES)
    assert sum("[redacted " in body for body in bodies) == len(bodies)
    assert {i: hits for i, body in enumerate(bodies) if (hits := leaks(body))} == {}
    _check(workdir, [result.output], caplog)
    shutil.rmtree(workdir / "data")

"""The CI gate: the offline backend on the dev set must stay within evals/thresholds.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "evals" / "datasets" / "dev.jsonl"


@pytest.mark.slow
@pytest.mark.skipif(not DEV.is_file(), reason="evals/datasets/dev.jsonl not assembled yet")
def test_the_offline_backend_passes_the_gate_on_the_dev_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    run = runner.invoke(
        app, ["eval", "run", "--dataset", str(DEV), "--backend", "offline", "--no-progress"]
    )
    assert run.exit_code == 0, run.output
    gate = runner.invoke(app, ["eval", "gate", "latest", "--thresholds", "evals/thresholds.yaml"])
    assert gate.exit_code == 0, gate.output

"""`callhandoff eval run | report | compare | gate | list` end to end with a fake backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from evals.fakes import FakeBackend, gold_item, handoff, refund_everything
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.schema import Handoff, Intent, Transcript, Urgency
from callhandoff.settings import Settings
from callhandoff.summarizer import factory

Respond = Callable[[Transcript], Handoff]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    lines = [
        gold_item("a").model_dump_json(),
        gold_item("b").model_dump_json(),
        gold_item("c", intent=Intent.CANCEL_ORDER).model_dump_json(),
    ]
    (tmp_path / "dev.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def use_backend(monkeypatch: pytest.MonkeyPatch, respond: Respond) -> None:
    monkeypatch.setattr(factory, "build_backend", lambda _s: FakeBackend(respond))


def cancel_b(call: Transcript) -> Handoff:
    if call.call_id == "call-b":
        return handoff(call.call_id, intent=Intent.CANCEL_ORDER, urgency=Urgency.NORMAL,
                       order_id="403-1234567-8901234")  # fmt: skip
    return refund_everything(call)


def invoke(*args: str) -> tuple[int, str]:
    if args and args[0] == "run":
        args = (*args, "--no-route")
    result = CliRunner().invoke(app, ["eval", *args])
    return result.exit_code, result.output


def test_run_scores_and_stores_then_list_shows_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, refund_everything)
    code, out = invoke("run", "--dataset", "dev.jsonl", "--no-progress", "--label", "baseline")
    assert code == 0, out
    assert "intent accuracy" in out and "0.667" in out
    assert "stored as run" in out
    code, out = invoke("list")
    assert code == 0
    assert "baseline" in out and "fake" in out


def test_run_with_a_missing_dataset_fails_with_a_clear_message(workdir: Path) -> None:
    code, out = invoke("run", "--dataset", "nope.jsonl", "--no-progress")
    assert code == 2
    assert "dataset file not found: nope.jsonl" in out


def test_repeat_reports_agreement(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend(monkeypatch, refund_everything)
    code, out = invoke("run", "--dataset", "dev.jsonl", "--no-progress", "--repeat", "2")
    assert code == 0, out
    assert "agree: same in all 2 repeats" in out


def test_report_prints_tables_and_writes_html(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, refund_everything)
    invoke("run", "--dataset", "dev.jsonl", "--no-progress")
    code, out = invoke("report", "latest", "--html", "out/report.html")
    assert code == 0, out
    assert "Headline metrics" in out and "Intent confusion" in out
    assert "<svg" in (workdir / "out" / "report.html").read_text(encoding="utf-8")


def test_compare_lists_the_flipped_items(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend(monkeypatch, refund_everything)
    invoke("run", "--dataset", "dev.jsonl", "--no-progress")
    use_backend(monkeypatch, cancel_b)
    invoke("run", "--dataset", "dev.jsonl", "--no-progress")
    code, out = invoke("compare", "latest~1", "latest", "--item", "b")
    assert code == 0, out
    assert "Right in A, wrong in B: 1 change" in out
    assert "Wrong in A, right in B: 0 changes" in out
    assert "cancel_order" in out
    assert "Item b: A = " in out and "differs" in out


def test_gate_passes_and_fails_on_the_thresholds(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, refund_everything)
    invoke("run", "--dataset", "dev.jsonl", "--no-progress")
    (workdir / "ok.yaml").write_text("min:\n  intent.accuracy: 0.6\n", encoding="utf-8")
    (workdir / "strict.yaml").write_text(
        "min:\n  intent.accuracy: 0.9\nmax:\n  grounding.violation_rate: 0\n", encoding="utf-8"
    )
    code, out = invoke("gate", "latest", "--thresholds", "ok.yaml")
    assert code == 0, out
    assert "gate passed" in out
    code, out = invoke("gate", "latest", "--thresholds", "strict.yaml")
    assert code == 1
    assert "gate failed: 1 metric(s) out of bounds" in out
    assert "intent.accuracy = 0.6667 (needs >= 0.9) FAIL" in out


def test_gate_on_a_sample_says_the_thresholds_are_for_the_whole_dataset(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, refund_everything)
    invoke("run", "--dataset", "dev.jsonl", "--sample", "2", "--seed", "1", "--no-progress")
    (workdir / "ok.yaml").write_text("min:\n  intent.accuracy: 0.0\n", encoding="utf-8")
    code, out = invoke("gate", "latest", "--thresholds", "ok.yaml")
    assert code == 0, out
    assert "scored a sample of 2 items (seed 1)" in " ".join(out.split())


def test_gate_on_a_bad_thresholds_file_is_a_usage_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_backend(monkeypatch, refund_everything)
    invoke("run", "--dataset", "dev.jsonl", "--no-progress")
    (workdir / "typo.yaml").write_text("min:\n  intent.acuracy: 0.6\n", encoding="utf-8")
    code, out = invoke("gate", "latest", "--thresholds", "typo.yaml")
    assert code == 2
    assert "typo.yaml:2: unknown metric 'intent.acuracy'" in out


def test_settings_are_built_from_flags(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    def build(settings: Settings) -> FakeBackend:
        seen.append(settings)
        return FakeBackend(refund_everything)

    monkeypatch.setattr(factory, "build_backend", build)
    args = ("run", "--dataset", "dev.jsonl", "--no-progress", "--backend", "offline",
            "--model", "m-2", "--no-cache")  # fmt: skip
    code, out = invoke(*args)
    assert code == 0, out
    assert (seen[0].backend, seen[0].model, seen[0].use_cache) == ("offline", "m-2", False)

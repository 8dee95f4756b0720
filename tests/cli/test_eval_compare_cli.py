"""What a prompt engineer sees from `eval compare`, `list`, `report`, `gate --baseline` and the
judge commands, on runs stored in the project store (terminal 80 columns wide)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from evals.fakes import gold_item, handoff, item_run
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.evals.dataset import Dataset
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun, RunOutput
from callhandoff.evals.runs import save_run
from callhandoff.schema import DecisionKind, Intent
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.summarizer.fake_server import running_fake_server

D = DecisionKind
ITEMS = [gold_item(f"r{n:02d}", intent=Intent.REFUND, decision=D.REVIEW) for n in range(30)]
START = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "80")
    return tmp_path


def decided(kinds: list[DecisionKind]) -> list[ItemRun]:
    """Refund calls (gold: review) decided as `kinds` say, the rest reviewed."""
    kinds = kinds + [D.REVIEW] * (len(ITEMS) - len(kinds))
    return [
        item_run(
            item,
            handoff(item.transcript.call_id, intent=Intent.REFUND, order_id="403-1234567-8901234"),
            decision=kinds[n],
            position=n,
            latency_ms=5.0,
        )
        for n, item in enumerate(ITEMS)
    ]


def store_run(items: list[ItemRun], minutes: int, **config: Any) -> str:
    data = Dataset(path="evals/datasets/dev.jsonl", version="ab" * 32,
                   items=tuple(run.item for run in items))  # fmt: skip
    output = RunOutput(dataset=data, items=tuple(items), backend="offline", model=None,
                       prompt_id=None, prompt_hash=None, repeat=1,
                       started_at=START + timedelta(minutes=minutes), duration_s=1.0,
                       classifier_version="c1a55if1e4000000", **config)  # fmt: skip
    _, metrics = score_runs(items)
    engine = open_store(Settings().resolved_database_url)
    return save_run(engine, output, metrics, Settings(), label=f"run {minutes}").run_id


def baseline_and_candidate() -> tuple[str, str]:
    """A skips r00 and r01 (cost 3 each); B also creates r00 (skip -> create, cost 10) and
    r02-r07 (review -> create, 10 each): cost error 6/30 = 0.200 -> 73/30 = 2.433."""
    a = store_run(decided([D.SKIP, D.SKIP]), 0, policy_path="embedded default",
                  policy_hash="aaaa1111bbbb2222")  # fmt: skip
    b = store_run(decided([D.CREATE, D.SKIP] + [D.CREATE] * 6), 1,
                  policy_path="my_policy.yaml", policy_hash="cccc3333dddd4444")  # fmt: skip
    return a, b


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["eval", *args])
    return result.exit_code, result.output


def test_compare_gives_a_worse_verdict_with_intervals_and_lists_every_changed_item(
    workdir: Path,
) -> None:
    a, b = baseline_and_candidate()
    code, out = invoke("compare", a, b)
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("Verdict: WORSE - decision.cost_error")
    assert "\x1b[" not in out  # no colour codes: a CI log reads the same
    assert re.search(r"decision\.cost_error +0\.200 +2\.433 +\+2\.233 +\[\+\d", out)
    assert "Right in A, wrong in B: 6 changes" in out
    assert "Wrong in A, differently wrong in B: 1 change" in out
    assert re.search(r"r00 +decision +review +skip +create +\+7\.0", out)
    assert re.search(r"r07 +decision +review +review +create +\+10\.0", out)
    assert "Decision cost change +67.0 over 30 items = +2.233 cost-weighted error" in out
    policy = r"policy +embedded default aaaa1111bbbb +my_policy\.yaml cccc3333dddd +changed"
    assert re.search(policy, out)


@pytest.mark.parametrize("columns", [80, 120])
def test_run_ids_print_in_full_under_the_store_they_are_kept_in(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    a, b = baseline_and_candidate()
    for args in (("compare", a, b), ("list",), ("report", b, "--no-html-file")):
        code, out = invoke(*args)
        assert code == 0, out
        lines = out.splitlines()
        if args[0] != "compare":  # whose first line is its verdict
            assert lines.pop(0).startswith("store: sqlite:///"), args  # whole, to be copied
        assert max(len(line) for line in lines) <= columns, args
        assert b in out, args
    code, out = invoke("list")
    assert a in out and "policy my_policy.yaml" in out and "classifier c1a55if1e400" in out


def test_compare_writes_the_html_form(workdir: Path) -> None:
    a, b = baseline_and_candidate()
    code, out = invoke("compare", a, b, "--html", "cmp/compare.html")
    assert code == 0, out
    html = (workdir / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "Verdict: WORSE" in html and "r06" in html and 'id="item-filter"' in html


def test_report_writes_wrong_items_into_the_html(workdir: Path) -> None:
    _, b = baseline_and_candidate()
    code, out = invoke("report", b, "--html", "r.html", "--by", "origin")
    assert code == 0, out
    assert "By origin" in out
    html = (workdir / "r.html").read_text(encoding="utf-8")
    assert "Wrong items (" in html and '<option value="decision">decision (' in html


def test_gate_against_a_baseline_fails_on_the_cost_increase(workdir: Path) -> None:
    a, b = baseline_and_candidate()
    (workdir / "t.yaml").write_text(
        "min:\n  intent.accuracy: 0.5\nmax:\n  decision.cost_error: 5\n", encoding="utf-8"
    )
    code, out = invoke("gate", b, "--thresholds", "t.yaml")
    assert code == 0, out
    code, out = invoke("gate", b, "--thresholds", "t.yaml", "--baseline", a, "--max-drop", "0.01")
    assert code == 1
    assert f"Against baseline {a}" in out
    assert "decision.cost_error = 2.433 (needs <= 0.21 = baseline 0.2 + 0.01) FAIL" in out


def _verdict_by_order(request: dict[str, Any]) -> dict[str, Any]:
    summary = request["messages"][1]["content"].split("SUMMARY TO CHECK:")[1]
    return {"verdict": "good" if "403" in summary else "bad", "reason": "checked the order"}


@pytest.mark.allow_model_calls
def test_judge_stores_verdicts_that_the_report_shows(workdir: Path) -> None:
    _, b = baseline_and_candidate()
    with running_fake_server(answer=_verdict_by_order) as server:
        code, out = invoke("judge", b, "--limit", "3", "--base-url", server.base_url)
    assert code == 0, out
    assert "judged 3 summaries" in out and "0 good, 3 bad" in out  # summaries are empty
    code, out = invoke("report", b, "--html", "r.html")
    assert code == 0, out
    assert "Judge:</b> bad (summary-judge-v1" in (workdir / "r.html").read_text("utf-8")


@pytest.mark.allow_model_calls
def test_judge_agreement_reports_agreement_and_kappa(workdir: Path) -> None:
    items = [gold_item(f"k{n}") for n in range(4)]
    (workdir / "dev.jsonl").write_text("".join(i.model_dump_json() + "\n" for i in items), "utf-8")
    labels = [
        {"id": "k0", "summary": "Refund on 403.", "label": "good", "why": "names it"},
        {"id": "k1", "summary": "Refund.", "label": "bad", "why": "no order"},
        {"id": "k2", "summary": "Refund on 403 again.", "label": "bad", "why": "too vague"},
        {"id": "k3", "summary": "Caller called.", "label": "bad", "why": "says nothing"},
    ]
    (workdir / "labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels), "utf-8")
    with running_fake_server(answer=_verdict_by_order) as server:
        code, out = invoke("judge-agreement", "--labels", "labels.jsonl", "--dataset",
                           "dev.jsonl", "--base-url", server.base_url)  # fmt: skip
    assert code == 0, out
    assert "agreement 0.750: 3 of 4 verdicts match the hand label (4 labelled); " in out
    assert "Cohen's kappa 0.500" in out
    code, out = invoke("judge-agreement", "--labels", "labels.jsonl", "--dataset", "dev.jsonl",
                       "--facts-check")  # fmt: skip
    assert code == 0, out
    assert "missing intent: refund" in out  # k3 "Caller called." names no request

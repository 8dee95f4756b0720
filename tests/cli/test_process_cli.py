"""`callhandoff process` and `callhandoff schema` end to end, as a user runs them."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.tables import decisions
from callhandoff.workers import OVERLAP_MIN_CALLS, usable_cores

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_process_examples_writes_one_grounded_handoff_per_call(workdir: Path) -> None:
    result = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert result.exit_code == 0, result.output
    handoffs = _lines(workdir / "handoffs.jsonl")
    assert len(handoffs) == 13  # 13 calls in 11 files, four formats
    assert (workdir / "handoffs.rejects.jsonl").read_text() == ""
    formats = {h["source"]["format"] for h in handoffs}  # type: ignore[index]
    assert formats == {"native", "plaintext", "chat", "abcd"}
    for line in handoffs:
        handoff = line["handoff"]
        assert handoff["request"]["intent"]["evidence"]["quote"]  # type: ignore[index]
        assert handoff["grounding"]["dropped"] == []  # type: ignore[index]
        assert len(handoff["summary"].split()) <= 60  # type: ignore[index]
        assert line["decision"]["kind"] in {"create", "update", "review", "skip"}  # type: ignore[index]
    assert "Handoffs by intent" in result.output
    assert "Handoffs by urgency" in result.output
    assert "0 inputs rejected" in result.output


def test_bad_input_is_reported_kept_and_the_batch_goes_on(workdir: Path) -> None:
    calls = workdir / "calls.jsonl"
    good = (
        (EXAMPLES / "cults-figurine-colour-refund-chat.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    calls.write_text(good + "\n{not json\n" + good.replace('"id": "', '"id": "copy-') + "\n")
    result = runner.invoke(app, ["process", str(calls), "--out", "out.jsonl", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert len(_lines(workdir / "out.jsonl")) == 2
    [reject] = _lines(workdir / "out.rejects.jsonl")
    assert reject["line"] == 2
    assert reject["raw"] == "{not json"
    assert "calls.jsonl:2: invalid JSON" in result.output


def test_stdin_calls_are_processed_and_the_report_says_which_file_they_replaced(
    workdir: Path,
) -> None:
    first = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert first.exit_code == 0, first.output
    good = (EXAMPLES / "cloudcart-order-status-and-restock-chat.jsonl").read_text(encoding="utf-8")
    records = good.splitlines()
    text = "\n".join([records[0], "{not json", records[1]]) + "\n"
    result = runner.invoke(app, ["process", "-", "--no-progress"], input=text)
    assert result.exit_code == 0, result.output
    written = _lines(workdir / "handoffs.jsonl")  # the first run's 13 lines are replaced
    assert [line["call_id"] for line in written] == [json.loads(r)["id"] for r in records]
    [reject] = _lines(workdir / "handoffs.rejects.jsonl")
    assert (reject["path"], reject["line"], reject["raw"]) == ("<stdin>", 2, "{not json")
    report = " ".join(result.output.split())
    assert f"2 handoffs written to {workdir / 'handoffs.jsonl'}" in report
    assert "<stdin>:2: invalid JSON" in report


def test_unknown_destination_in_settings_is_a_clear_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLHANDOFF_DEFAULT_DESTINATION", "shopify")
    result = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert result.exit_code == 2
    assert "invalid settings" in result.output
    assert "default_destination" in result.output


def test_schema_prints_the_handoff_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Handoff"
    assert "caller" in schema["properties"]
    assert "risk_flags" in schema["properties"]


def test_report_names_the_store_and_warns_when_it_has_no_records(workdir: Path) -> None:
    result = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert result.exit_code == 0, result.output
    store = Settings().data_dir.resolve() / "callhandoff.db"
    assert f"store: sqlite:///{store}" in result.output
    assert "warning:" in result.output and "callhandoff directory load" in result.output
    assert f"handoffs written to {(workdir / 'handoffs.jsonl').resolve()}" in result.output

    runner.invoke(app, ["directory", "load", "examples/store"])
    again = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert "warning:" not in again.output


def test_reason_codes_are_never_broken_at_80_columns(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    runner.invoke(app, ["directory", "load", "examples/store"])
    result = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert result.exit_code == 0, result.output
    table = result.output.split("Handoffs by intent")[0]
    codes = {
        reason["code"]  # type: ignore[index]
        for line in _lines(workdir / "handoffs.jsonl")
        for reason in line["decision"]["reasons"]  # type: ignore[index]
    }
    assert codes and all(code in table for code in codes)
    rows = [row for row in table.splitlines() if row[:1] in set("┏┃┡│└")]
    assert rows and all(len(row) <= 80 for row in rows)


def test_markup_in_a_call_id_is_printed_as_written(workdir: Path) -> None:
    call = {
        "call_id": "m1[/bogus]",
        "destination": "cloudcart",
        "turns": [{"speaker": "customer", "text": "Where is my order [bold]HH-100234[/bold]?"}],
    }
    (workdir / "odd.json").write_text(json.dumps(call), encoding="utf-8")
    result = runner.invoke(app, ["process", "odd.json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "m1[/bogus]" in result.output
    listing = runner.invoke(app, ["outbox"])
    assert listing.exit_code == 0, listing.output


def test_the_offline_path_never_loads_the_llm_libraries(workdir: Path) -> None:
    code = (
        "import sys; from callhandoff.cli.launch import main\n"
        "sys.argv = ['callhandoff', 'process', 'examples/', '--no-progress']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('openai', 'instructor', 'tiktoken', 'httpx2')]\n"
        "print('LOADED', loaded, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True, check=True
    )
    assert "LOADED []" in done.stderr


@pytest.mark.skipif(usable_cores() < 2, reason="needs a second core")
def test_a_large_routed_run_extracts_in_a_worker_process_beside_the_routing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    calls = tmp_path / "calls.jsonl"
    texts = ["Where is my parcel? It has not come.", "Please cancel my order, I changed my mind."]
    with calls.open("w", encoding="utf-8") as out:
        for n in range(OVERLAP_MIN_CALLS):
            turns = [{"speaker": "customer", "text": texts[n % 2]}]
            out.write(json.dumps({"call_id": f"c{n}", "turns": turns}) + "\n")
    routed = runner.invoke(app, ["process", str(calls), "--out", "routed.jsonl"])
    assert routed.exit_code == 0, routed.output
    assert "processing (offline × 1)" in routed.output
    assert len(_lines(tmp_path / "routed.jsonl")) == OVERLAP_MIN_CALLS
    unrouted = runner.invoke(app, ["process", str(calls), "--out", "plain.jsonl", "--no-route"])
    assert unrouted.exit_code == 0, unrouted.output
    assert "processing (offline)" in unrouted.output


def test_a_classifier_folder_without_a_classifier_is_refused_before_the_store_opens(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLHANDOFF_CLASSIFIER_PATH", str(workdir / "no-model"))
    result = runner.invoke(app, ["process", "examples/", "--workers", "2", "--no-progress"])
    assert result.exit_code == 2
    assert "no trained classifier" in result.output
    assert "Traceback" not in result.output
    assert not (workdir / "handoffs.jsonl").exists()
    assert "store:" not in result.output  # refused before the store is opened
    assert not (workdir / ".callhandoff").exists()


def test_a_backend_the_worker_processes_cannot_build_stops_the_run_before_any_output(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = workdir / "damaged-model"
    damaged.mkdir()
    (damaged / "meta.json").write_text("{}", encoding="utf-8")
    (damaged / "weights.npz").write_bytes(b"PK not really an archive")
    monkeypatch.setenv("CALLHANDOFF_CLASSIFIER_PATH", str(damaged))
    result = runner.invoke(app, ["process", "examples/", "--workers", "2", "--no-progress"])
    assert result.exit_code == 2
    assert "weights.npz is not a weights archive" in result.output  # said by a worker
    assert "Traceback" not in result.output
    assert not (workdir / "handoffs.jsonl").exists()


def test_a_run_gives_the_garbage_collector_back_as_it_found_it(workdir: Path) -> None:
    threshold = gc.get_threshold()
    result = runner.invoke(app, ["process", "examples/", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0


def test_a_run_killed_midway_has_stored_every_call_it_wrote_and_a_rerun_finishes_it(
    workdir: Path,
) -> None:
    """A routed call's line is written only after its batch is committed: killed with
    SIGKILL partway, the run has stored every call its (unfinished) output holds, the
    previous output is left as it was, and running again decides each call once."""
    template = json.loads(
        (EXAMPLES / "cults-figurine-colour-refund-chat.jsonl").read_text(encoding="utf-8")
    )
    count = 1_500  # below the size at which one worker runs in a process of its own
    with (workdir / "calls.jsonl").open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({**template, "id": f"kill-{n}"}) + "\n")
    (workdir / "handoffs.jsonl").write_text("the previous run's output\n", encoding="utf-8")
    assert runner.invoke(app, ["directory", "load", "examples/store"]).exit_code == 0
    run = subprocess.Popen(
        [sys.executable, "-m", "callhandoff", "process", "calls.jsonl", "--no-progress"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    written: list[str] = []
    deadline = time.monotonic() + 300
    while len(written) < 300:  # a few committed batches in
        assert run.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "the run wrote nothing"
        time.sleep(0.05)
        partial = list(workdir.glob(".handoffs.jsonl.*.partial"))
        written = (
            partial[0].read_text(encoding="utf-8").splitlines(keepends=True) if partial else []
        )
    run.kill()
    run.wait()
    lines = partial[0].read_text(encoding="utf-8").splitlines(keepends=True)
    ids = [json.loads(line)["call_id"] for line in lines if line.endswith("\n")]
    assert len(ids) >= 300
    assert (workdir / "handoffs.jsonl").read_text() == "the previous run's output\n"

    engine = open_store(Settings().resolved_database_url)
    with engine.connect() as connection:
        decided = set(connection.execute(sa.select(decisions.c.call_id)).scalars())
    assert set(ids) <= decided and len(decided) < count

    again = runner.invoke(app, ["process", "calls.jsonl", "--no-progress"])
    assert again.exit_code == 0, again.output
    assert len(_lines(workdir / "handoffs.jsonl")) == count
    with engine.connect() as connection:
        per_call = connection.execute(
            sa.select(decisions.c.call_id, sa.func.count()).group_by(decisions.c.call_id)
        ).all()
    engine.dispose()
    assert len(per_call) == count and {n for _, n in per_call} == {1}


def test_two_workers_write_what_one_writes(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    for workers in ("1", "2"):
        monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(workdir / f"store-{workers}"))
        assert runner.invoke(app, ["directory", "load", "examples/store"]).exit_code == 0
        out = f"handoffs-{workers}.jsonl"
        result = runner.invoke(app, ["process", "examples/", "--workers", workers, "-o", out])
        assert result.exit_code == 0, result.output
        assert ("offline × 2" in result.output) == (workers == "2")  # in two processes
        lines = _lines(workdir / out)
        for line in lines:  # when and how fast it was extracted
            meta = line["handoff"]["meta"]  # type: ignore[index]
            del meta["latency_ms"], meta["created_at"]  # type: ignore[attr-defined]
        outputs.append(lines)
    assert len(outputs[1]) == 13 and outputs[1] == outputs[0]

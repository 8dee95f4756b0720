"""What an operator sees when something is wrong: one `error:` line, exit 2, nothing destroyed.

Settings, the store and the backend are checked before any output file is opened;
output is written to a temporary file and renamed at the end; no password, SQL or
traceback reaches the terminal.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import app
from callhandoff.settings import hide_passwords_in

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()
CALL = {
    "call_id": "op-1",
    "destination": "cloudcart",
    "turns": [
        {"speaker": "customer", "text": "Where is my order HH-100234? It was due Friday."},
        {"speaker": "agent", "text": "It ships tomorrow."},
    ],
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")  # one error line stays one line
    for name in ("CALLHANDOFF_API_KEY", "OPENAI_API_KEY", "CALLHANDOFF_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "call.json").write_text(json.dumps(CALL), encoding="utf-8")
    return tmp_path


def _one_error_line(output: str) -> str:
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, output
    return errors[0]


def test_a_missing_api_key_leaves_the_previous_output_untouched(workdir: Path) -> None:
    previous = workdir / "prev.jsonl"
    previous.write_text('{"earlier": "run"}\n', encoding="utf-8")
    result = runner.invoke(
        app, ["process", "call.json", "--backend", "openai", "--out", "prev.jsonl"]
    )
    assert result.exit_code == 2
    assert "no API key" in _one_error_line(result.output)
    assert previous.read_text(encoding="utf-8") == '{"earlier": "run"}\n'
    assert not (workdir / "prev.rejects.jsonl").exists()
    assert not list(workdir.glob(".*partial"))


def test_a_store_error_mid_run_leaves_the_previous_output_untouched(workdir: Path) -> None:
    store = workdir / "ro.db"
    runner.invoke(
        app, ["directory", "stats"], env={"CALLHANDOFF_DATABASE_URL": f"sqlite:///{store}"}
    )
    assert store.exists()
    previous = workdir / "prev.jsonl"
    previous.write_text("kept\n", encoding="utf-8")
    read_only = f"sqlite:///file:{store}?mode=ro&uri=true"
    result = runner.invoke(
        app,
        ["process", "call.json", "--out", "prev.jsonl", "--no-progress"],
        env={"CALLHANDOFF_DATABASE_URL": read_only},
    )
    assert result.exit_code == 2
    line = _one_error_line(result.output)
    assert "readonly database" in line
    assert "INSERT" not in result.output and "parameters" not in result.output
    assert "op-1" not in line  # no SQL parameters
    assert previous.read_text(encoding="utf-8") == "kept\n"
    assert not list(workdir.glob(".*partial"))


def test_output_is_replaced_only_when_the_run_finishes_or_appended(workdir: Path) -> None:
    out = workdir / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    assert runner.invoke(app, ["process", "call.json", "--out", "out.jsonl"]).exit_code == 0
    assert [json.loads(line)["call_id"] for line in out.read_text().splitlines()] == ["op-1"]
    result = runner.invoke(app, ["process", "call.json", "--out", "out.jsonl", "--append"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://u:pw-SECRET@127.0.0.1:1/db",
            "cannot open the store at postgresql://u:***@127.0.0.1:1/db",
        ),
        ("postgresql://u:pw-SECRET@[bad", "cannot open the store at <unreadable URL>"),
        ("postgresql//u:pw-SECRET@host/db", "cannot open the store at postgresql//u:***@host/db"),
        (
            "sqlite:////proc/no-such-folder/pw-SECRET/x.db",
            "cannot open the store at sqlite:////proc",
        ),
    ],
)
def test_a_store_that_cannot_be_opened_is_one_line_without_the_password(
    workdir: Path, url: str, expected: str
) -> None:
    result = runner.invoke(
        app, ["process", "call.json", "--out", "x.jsonl"], env={"CALLHANDOFF_DATABASE_URL": url}
    )
    assert result.exit_code == 2
    line = _one_error_line(result.output)
    assert expected in line
    if "proc" not in url:
        assert "pw-SECRET" not in result.output
    assert not (workdir / "x.jsonl").exists()


def test_driver_messages_lose_every_password() -> None:
    url = "postgresql://u:pw-SECRET@db.example:5432/calls"
    message = (
        'connection to server at "db.example" failed: password authentication failed; '
        "dsn postgresql://u:pw-SECRET@db.example:5432/calls password=pw-SECRET"
    )
    cleaned = hide_passwords_in(message, url)
    assert "pw-SECRET" not in cleaned
    assert "postgresql://u:***@db.example:5432/calls" in cleaned
    assert hide_passwords_in("mysql://root:hunter22@h/x failed") == "mysql://root:***@h/x failed"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CALLHANDOFF_PHONE_REGIONS": "[US"}, "invalid settings: phone_regions"),
        ({"CALLHANDOFF_TIMEZONE": "Mars/Base"}, "invalid settings: timezone"),
        ({"CALLHANDOFF_MAX_TURNS": "many"}, "invalid settings: max_turns"),
    ],
)
def test_bad_settings_are_one_line(workdir: Path, env: dict[str, str], expected: str) -> None:
    result = runner.invoke(app, ["process", "call.json", "--out", "x.jsonl"], env=env)
    assert result.exit_code == 2
    assert expected in _one_error_line(result.output)
    assert not (workdir / "x.jsonl").exists()


def test_phone_regions_may_be_a_plain_list(workdir: Path) -> None:
    result = runner.invoke(
        app, ["process", "call.json", "--out", "x.jsonl"], env={"CALLHANDOFF_PHONE_REGIONS": "US"}
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "folder"], "--out folder is a folder"),
        (["--out", "missing/x.jsonl"], "the folder missing does not exist"),
        (["--out", "x.jsonl", "--rejects", "folder"], "--rejects folder is a folder"),
    ],
)
def test_an_unusable_output_path_is_one_line(workdir: Path, args: list[str], expected: str) -> None:
    (workdir / "folder").mkdir()
    result = runner.invoke(app, ["process", "call.json", *args])
    assert result.exit_code == 2
    assert expected in _one_error_line(result.output)


def test_every_input_rejected_exits_non_zero_and_keeps_the_rejects(workdir: Path) -> None:
    (workdir / "bad.jsonl").write_text("{not json\n[]\n", encoding="utf-8")
    result = runner.invoke(app, ["process", "bad.jsonl", "--out", "x.jsonl"])
    assert result.exit_code == 2
    assert "every input was rejected (2)" in _one_error_line(result.output)
    assert len((workdir / "x.rejects.jsonl").read_text().splitlines()) == 2


def test_markup_in_store_values_is_printed_as_written(workdir: Path) -> None:
    shutil.copytree(EXAMPLES / "store", workdir / "store")
    call = dict(CALL, call_id="m1[/bogus]")
    (workdir / "odd.json").write_text(json.dumps(call), encoding="utf-8")
    assert runner.invoke(app, ["process", "odd.json", "--out", "x.jsonl"]).exit_code == 0
    explained = runner.invoke(app, ["explain", "m1[/bogus]"])
    assert explained.exit_code == 0, explained.output
    assert "m1[/bogus]" in explained.output
    listing = runner.invoke(app, ["outbox"])
    assert listing.exit_code == 0 and "Traceback" not in listing.output


def test_an_unexpected_store_error_in_any_command_is_one_line(workdir: Path) -> None:
    broken = workdir / "broken.db"
    with sqlite3.connect(broken) as connection:  # a store whose schema is not ours
        connection.execute("CREATE TABLE _migrations (name TEXT)")
    env = {"CALLHANDOFF_DATABASE_URL": f"sqlite:///{broken}"}
    for command in (["outbox"], ["directory", "stats"], ["explain", "x"], ["eval", "list"]):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        _one_error_line(result.output)

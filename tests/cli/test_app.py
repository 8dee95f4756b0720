"""The top-level `callhandoff` command: every command listed, each loaded only when run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callhandoff.cli.app import COMMANDS, app
from callhandoff.routing.router import Router
from callhandoff.store.db import open_store
from tests.routing.helpers import make_call

runner = CliRunner()


def test_help_lists_every_command_in_order_with_its_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    listed = [
        line.split()[1]
        for line in result.output.splitlines()
        if line.startswith("│ ") and len(line.split()) > 2 and line.split()[1] in COMMANDS
    ]
    assert listed == list(COMMANDS)
    assert "Extract a grounded handoff from every transcript" in result.output
    assert "List outbox rows; requeue dead or waiting actions." in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_answers_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: callhandoff {name}" in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["explian"])
    assert result.exit_code == 2
    assert "No such command 'explian'. Did you mean 'explain'?" in result.output


def _python(code: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -c code` in `folder` with a data folder of its own; it must succeed."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env={"CALLHANDOFF_DATA_DIR": str(folder / "data"), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )


def test_a_command_loads_no_other_command(tmp_path: Path) -> None:
    code = (
        "import sys; from callhandoff.cli.launch import main\n"
        "sys.argv = ['callhandoff', 'outbox']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('callhandoff.cli.')),"
        " file=sys.stderr)"
    )
    done = _python(code, tmp_path)
    assert "store: " in done.stdout
    loaded = done.stderr.split("LOADED", 1)[1].strip()
    assert loaded == str(
        [
            "callhandoff.cli.app",
            "callhandoff.cli.common",
            "callhandoff.cli.launch",
            "callhandoff.cli.outbox",
        ]
    )


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`callhandoff schema | head -1`: the reader leaves early; no `error:` line, exit 1."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from callhandoff.cli.launch import main; main()", "schema"],
        cwd=tmp_path,
        env={"CALLHANDOFF_DATA_DIR": str(tmp_path / "data"), "PATH": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "error" not in errors.lower(), errors


PROBE = '''
import atexit
import gc
import sys
from pathlib import Path


def probe() -> None:
    """Say whether the collector is on; leave an exit handler and a lot of output."""
    atexit.register(lambda: Path("exit-handler-ran").write_text("yes"))
    print("collector on:", gc.isenabled())
    sys.stdout.write("x" * 1_000_000 + "\\n")
'''


def test_the_console_script_runs_a_command_with_the_collector_on_and_exits_cleanly(
    tmp_path: Path,
) -> None:
    """Start-up loads modules with the garbage collector off; the command itself runs
    with it on (a long `process` run must collect), and the process still flushes its
    output and runs the command's exit handlers."""
    (tmp_path / "probe_command.py").write_text(PROBE)
    code = (
        "import sys; sys.path.insert(0, '.')\n"
        "from callhandoff.cli import app, launch\n"
        "app.COMMANDS['probe'] = app._Entry('probe_command', 'probe')\n"
        "sys.argv = ['callhandoff', 'probe']\n"
        "launch.main()\n"
    )
    done = _python(code, tmp_path)
    first, rest = done.stdout.split("\n", 1)
    assert first == "collector on: True"
    assert rest == "x" * 1_000_000 + "\n"
    assert (tmp_path / "exit-handler-ran").read_text() == "yes"


@pytest.mark.parametrize(
    "command", [["schema"], ["outbox"], ["explain", "no-such-call"], ["explain", "routed-1"]]
)
def test_the_store_commands_load_no_extraction_or_matching_library(
    command: list[str], tmp_path: Path
) -> None:
    """What keeps their start-up short: the model libraries are for the LLM backend;
    the phone-number, e-mail and fuzzy-matching libraries, the extractors and the router
    are for `process` (and for the migrations that create a store, run once before);
    YAML for reading a policy file, and the PostgreSQL dialect for a PostgreSQL store.
    `explain` decides a routed call's stored facts again under its stored policy
    without them."""
    _python("from callhandoff.cli.app import app; app(['outbox'], standalone_mode=False)", tmp_path)
    call = make_call("routed-1", intent="refund", order_id="A-100102")
    engine = open_store(f"sqlite:///{tmp_path / 'data' / 'callhandoff.db'}")
    Router(engine).route(call.result(), call.transcript)
    engine.dispose()
    heavy = ["openai", "instructor", "tiktoken", "httpx", "phonenumbers", "email_validator",
             "rapidfuzz", "callhandoff.extractors", "callhandoff.pipeline",
             "callhandoff.routing.router", "yaml", "sqlalchemy.dialects.postgresql"]  # fmt: skip
    code = (
        "import sys; from callhandoff.cli.launch import main\n"
        f"sys.argv = ['callhandoff', *{command!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)"
    )
    done = _python(code, tmp_path)
    assert done.stderr.split("LOADED", 1)[1].strip() == "[]", done.stderr
    if command == ["explain", "routed-1"]:
        assert "review_unmatched_caller -> review (decides)" in done.stdout

"""`callhandoff ui`: the reviewer app (Streamlit) on the store `process` wrote."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from callhandoff.cli.common import load_settings, open_engine, print_store


def _absolute(url: str) -> str:
    """A relative SQLite path made absolute, so the app opens the same file from anywhere."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        path = url.removeprefix(prefix)
        if path and path != ":memory:":
            return prefix + str(Path(path).resolve())
    return url


def ui(ctx: typer.Context) -> None:
    """Open the reviewer app on the store (CALLHANDOFF_DATABASE_URL for another one).

    Streamlit options pass through, e.g. `callhandoff ui --server.port 8765`.
    Usage statistics are off, the server runs headless (it prints the URL to open) and
    listens on 127.0.0.1 only (the app shows customers' calls and has no login; put it
    behind your own sign-in before `--server.address 0.0.0.0`) unless the options say
    otherwise.
    """
    from callhandoff import ui as ui_package

    settings = load_settings({})
    open_engine(settings)  # migrated before the app starts, and a bad URL fails here
    print_store(Console(), settings)
    script = Path(ui_package.__file__).parent / "app.py"
    env = {
        **os.environ,
        "CALLHANDOFF_DATABASE_URL": _absolute(settings.resolved_database_url),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.setdefault("STREAMLIT_SERVER_HEADLESS", "true")
    env.setdefault("STREAMLIT_CLIENT_TOOLBAR_MODE", "minimal")
    env.setdefault("STREAMLIT_SERVER_ADDRESS", "127.0.0.1")
    command = [sys.executable, "-m", "streamlit", "run", str(script), *ctx.args]
    sys.stdout.flush()
    os.execvpe(sys.executable, command, env)

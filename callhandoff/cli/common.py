"""What every command shares: settings from flags, the store, failing with a clear message.

Command modules import only what their option declarations need at the top;
everything else is imported inside the command, so `callhandoff --help`,
`schema`, `explain` and `outbox` start without loading the extraction stack.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from callhandoff.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: message` to stderr and exit with `code` (2: fix the input or settings)."""
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def load_settings(overrides: dict[str, Any]) -> Settings:
    """Settings from env/.env, with the command-line flags that were given on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        fail(f"invalid settings: {problems}")


def open_engine(settings: Settings) -> Engine:
    """The store the settings name, migrated; a store that cannot be opened is an error line."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store.db import open_store

    try:
        return open_store(settings.resolved_database_url)
    except CallhandoffError as exc:
        fail(str(exc))


def print_store(console: Console, settings: Settings) -> None:
    """`store: <url>` as a report header (never wrapped, so it can be copied).

    Printed by every command that reads or writes the store, so a run from another
    folder, which would silently use another store, is visible.
    """
    console.print(f"store: {settings.store_label}", highlight=False, markup=False, soft_wrap=True)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, for commands that run until told to stop."""
    stop = threading.Event()

    def handle(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop

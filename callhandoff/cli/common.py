"""What every command shares: settings from flags, the store, failing with a clear message.

Command modules import only what their option declarations need at the top;
everything else is imported inside the command, so `callhandoff --help`,
`schema`, `explain` and `outbox` start without loading the extraction stack.
"""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from callhandoff.settings import Settings, hide_passwords_in

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: message` to stderr and exit with `code` (2: fix the input or settings).

    Never wrapped, so a path or store URL in it can be copied whole."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


def load_settings(overrides: dict[str, Any]) -> Settings:
    """Settings from env/.env, with the command-line flags that were given on top."""
    from pydantic_settings import SettingsError

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except SettingsError as exc:
        fail(f"invalid settings: {exc}")
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


def error_line(exc: BaseException) -> str:
    """One line for an error no command turned into a message itself: what failed, with
    no traceback, no SQL, no parameters and no password."""
    import sqlalchemy as sa

    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store.db import store_error_reason

    if isinstance(exc, CallhandoffError):
        text = str(exc)
    elif isinstance(exc, sa.exc.SQLAlchemyError):
        text = f"the store failed: {store_error_reason(exc)}"
    elif isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        text = f"{where}{exc.strerror or exc}"
    else:
        first = next((line for line in str(exc).splitlines() if line.strip()), "")
        text = f"unexpected {type(exc).__name__}: {first}".rstrip(": ")
    return hide_passwords_in(text)


_GUARDED = "__callhandoff_guarded__"


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Run a command so that any error ends as one `error:` line and exit code 2.

    Exits, usage errors and interrupts keep their own handling.
    """

    if getattr(command, _GUARDED, False):  # a command group is loaded again by each run
        return command

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise  # typer's own handling; a closed pipe (`| head`) ends quietly
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:
            fail(error_line(exc))

    setattr(run, _GUARDED, True)
    return run


def guard_commands(app: typer.Typer) -> None:
    """Wrap every command of `app` and of its sub-apps in `guarded`."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = guarded(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, for commands that run until told to stop."""
    stop = threading.Event()

    def handle(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop

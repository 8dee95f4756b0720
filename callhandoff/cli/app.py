"""The `callhandoff` command: one Typer app, one module per command group.

A command's module is imported when that command is looked up, so starting
`explain` or `outbox` does not load (or build the options of) every other
command. `callhandoff --help` looks every command up and lists them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup

from callhandoff import longlived
from callhandoff.cli.common import guard_commands


class _Entry(NamedTuple):
    """Where a command lives: `module.attribute`, a command function or a `typer.Typer` group."""

    module: str
    attribute: str
    context_settings: dict[str, Any] | None = None


# One line per command, in the order `--help` lists them.
COMMANDS: dict[str, _Entry] = {
    "process": _Entry("callhandoff.cli.process", "process"),
    "schema": _Entry("callhandoff.cli.schema_cmd", "schema"),
    "explain": _Entry("callhandoff.cli.explain", "explain"),
    "deliver": _Entry("callhandoff.cli.outbox", "deliver"),
    "purge": _Entry("callhandoff.cli.purge", "purge"),
    "ui": _Entry(
        "callhandoff.cli.ui",
        "ui",
        {"allow_extra_args": True, "ignore_unknown_options": True},
    ),
    "serve": _Entry("callhandoff.cli.serve", "serve"),
    "worker": _Entry("callhandoff.cli.serve", "worker"),
    "eval": _Entry("callhandoff.cli.eval", "app"),
    "directory": _Entry("callhandoff.cli.directory", "app"),
    "outbox": _Entry("callhandoff.cli.outbox", "app"),
    "review": _Entry("callhandoff.cli.review", "app"),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """The click command `callhandoff NAME` runs, built from its module.

    Every command is wrapped by `guard_commands`: any error ends as one `error:` line.
    """
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    holder = typer.Typer(add_completion=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name, context_settings=entry.context_settings)(target)
    guard_commands(holder)
    command = typer.main.get_group(holder).commands[name]
    assert isinstance(command, TyperCommand | TyperGroup)
    return command


class _CommandTable(MutableMapping[str, Any]):
    """Every command's name from the start (for listings and "did you mean" hints); a
    command itself is built the first time it is looked up."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = load_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._built))


class _LazyCommands(TyperGroup):
    """The top-level group, over a `_CommandTable`.

    `ctx` is typer's own (private) click context, hence `Any`.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _CommandTable()

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


def _command_loaded() -> None:
    """`callhandoff` itself takes no options; its commands do.

    Click calls this once the command is looked up (its module loaded) and
    before the command runs: the end of start-up (`launch.main`).
    """
    longlived.end_start_up()


app = typer.Typer(
    name="callhandoff",
    cls=_LazyCommands,
    callback=_command_loaded,
    help="Turn customer-call transcripts into grounded, action-ready handoffs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

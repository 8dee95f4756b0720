"""`callhandoff directory load PATH` and `callhandoff directory stats`: the store directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callhandoff.cli.common import fail, load_settings, open_engine, print_store

app = typer.Typer(
    help="Load and inspect the store directory calls are matched against.", no_args_is_help=True
)


@app.command("load")
def load(
    path: Annotated[
        Path, typer.Argument(help="A folder of CSV files, a directory.json or one CSV.")
    ],
    strict: Annotated[
        bool, typer.Option(help="Exit with status 1 when any row was refused.")
    ] = False,
) -> None:
    """Load customers, orders (with items), products and bookings into the store.

    Records with an id already in the store are replaced. Bad rows are reported
    with file, line and problem; the rest loads.
    """
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.routing.directory.files import read_directory
    from callhandoff.store.directory import load_directory

    settings = load_settings({})
    console, errors = Console(), Console(stderr=True)
    try:
        data = read_directory(path, regions=settings.phone_regions, tz=settings.tz)
        if not data.files:
            fail("; ".join(str(e) for e in data.errors) or f"{path}: nothing to load")
        report = load_directory(open_engine(settings), data)
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(console, settings)
    table = Table(title="Rows loaded", title_justify="left")
    table.add_column("table", style="cyan")
    table.add_column("rows", justify="right")
    for name, count in report.written.items():
        table.add_row(name, str(count))
    console.print(table)
    if report.errors:
        errors.print(f"[bold red]{len(report.errors)}[/] rows refused:")
        for error in report.errors:
            errors.print(f"  {error}", highlight=False, markup=False)
        if strict:
            raise typer.Exit(1)
    else:
        console.print("0 rows refused")


@app.command("stats")
def stats() -> None:
    """Rows per table, destination and store."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store.directory import directory_stats

    settings = load_settings({})
    try:
        rows = directory_stats(open_engine(settings))
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(Console(), settings)
    table = Table(title="Directory", title_justify="left")
    for column in ("table", "destination", "store"):
        table.add_column(column, style="cyan")
    table.add_column("rows", justify="right")
    for name, destination, store, count in rows:
        table.add_row(escape(name), escape(destination), escape(store), str(count))
    Console().print(table)
    if not rows:
        Console().print("The directory is empty: run `callhandoff directory load PATH`.")

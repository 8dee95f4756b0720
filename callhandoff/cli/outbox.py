"""`callhandoff deliver` sends pending outbox actions; `callhandoff outbox` lists, requeues."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callhandoff.cli.common import fail, load_settings, open_engine, print_store, stop_on_signals
from callhandoff.store.rows import OutboxRow, OutboxState

if TYPE_CHECKING:
    from callhandoff.routing.delivery.deliverer import DeliveryReport
    from callhandoff.routing.delivery.sender import DeliveryConfig


def _dry_run_text(row: OutboxRow, config: DeliveryConfig) -> str:
    """Exactly what would be sent for one row, plus the diff for updates."""
    from callhandoff.routing.delivery.sender import lookup_request, new_values, prepare

    request = prepare(row, config)
    lines = [f"# outbox #{row.id}  call {row.call_id}  {row.action} ({row.destination})"]
    if row.destination == "cults":
        lookup = lookup_request(row.destination, config)
        lines.append(
            f"# first: {lookup.method} {lookup.url}  (origin "
            f"{row.payload.get('origin')!r} must be approved)"
        )
    lines.append(f"{request.method} {request.url}")
    lines.extend(f"{name}: {value}" for name, value in request.shown_headers().items())
    lines.append("")
    lines.append(json.dumps(request.body, indent=2, ensure_ascii=False, sort_keys=True))
    if row.old_values is not None:
        lines.extend(_update_lines(row, new_values(row)))
    return "\n".join(lines)


def _update_lines(row: OutboxRow, after: dict[str, object]) -> list[str]:
    """What an update carries: the diff of the fields it sets, or why it sets none."""
    old = row.old_values or {}
    if after:
        lines = ["# diff (store now -> after this update):"]
        for name in sorted(set(old) | set(after)):
            lines.append(f"-  {name}: {old.get(name)}")
            lines.append(f"+  {name}: {after.get(name)}")
        return lines
    kept_back = [
        str(name)
        for subscriber in row.payload.get("subscribers", [])
        for name in subscriber.get("other_changed_fields", [])
    ]
    lines = ["# this update sets no field at the destination: it carries the signals above"]
    if kept_back:
        lines.append(
            "# changed on the call but not sent to a subscriber list (support details "
            f"stay out of marketing destinations): {', '.join(kept_back)}"
        )
    return lines


def deliver(
    dry_run: Annotated[
        bool | None,
        typer.Option(
            "--dry-run/--send",
            help="Show what would be sent (default until an endpoint URL is configured).",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="Keep delivering as actions come due, until interrupted (SIGINT / SIGTERM).",
        ),
    ] = False,
) -> None:
    """Send pending outbox actions to the configured Cloudcart / Cults endpoints.

    Any number of deliverers may run at once, here or on other machines: each row
    is claimed by one of them before it is sent.
    """
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.routing.delivery.deliverer import Deliverer
    from callhandoff.routing.delivery.sender import DeliveryConfig
    from callhandoff.store import outbox as store

    settings = load_settings({})
    config = DeliveryConfig.from_settings(settings)
    configured = any(config.configured(d) for d in ("cloudcart", "cults"))
    preview = dry_run if dry_run is not None else not configured
    console = Console()
    print_store(console, settings)
    try:
        engine = open_engine(settings)
        if preview:
            rows = store.due(engine, datetime.now(UTC), limit)
            for row in rows:
                console.print(
                    _dry_run_text(row, config), highlight=False, markup=False, soft_wrap=True
                )
                console.print()
            note = (
                ""
                if configured
                else (
                    " (no endpoint configured: set CALLHANDOFF_CLOUDCART_URL"
                    " / CALLHANDOFF_CULTS_URL)"
                )
            )
            console.print(
                f"dry run: {len(rows)} pending action(s) shown, nothing sent{note}", highlight=False
            )
            return
        deliverer = Deliverer(engine, config)
        try:
            if follow:
                stop = stop_on_signals()
                deliverer.sleep = stop.wait
                report = deliverer.follow(
                    stop.is_set, on_pass=lambda r: _print_pass(console, r) if r.attempted else None
                )
            else:
                report = deliverer.run(limit)
        finally:
            deliverer.close()
    except CallhandoffError as exc:
        fail(str(exc))
    _print_pass(console, report)
    if report.dead and not follow:
        raise typer.Exit(1)


def _print_pass(console: Console, report: DeliveryReport) -> None:
    console.print(
        f"sent {len(report.sent)}, dead-lettered {len(report.dead)}, "
        f"retrying later {len(report.retrying)}, "
        f"skipped {len(report.skipped)} (destination without endpoint)",
        highlight=False,
    )
    if report.paused:
        console.print(
            f"  paused after repeated failures: {', '.join(sorted(report.paused))} "
            "(their actions wait; one probe is sent when the pause ends)",
            highlight=False,
        )
    for key in report.dead:
        console.print(f"  [red]dead[/] {escape(key)}", highlight=False)


app = typer.Typer(
    help="List outbox rows; requeue dead or waiting actions.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def outbox(
    ctx: typer.Context,
    state: Annotated[OutboxState | None, typer.Option(help="Only rows in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
) -> None:
    """List outbox rows: key, action, state, attempts and the last error."""
    if ctx.invoked_subcommand is not None:
        return
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store import outbox as store

    settings = load_settings({})
    try:
        engine = open_engine(settings)
        rows = store.list_rows(engine, state, limit)
        totals = store.counts(engine)
    except CallhandoffError as exc:
        fail(str(exc))
    table = Table(title="Outbox", title_justify="left")
    for column in (
        "id",
        "call",
        "action",
        "idempotency key",
        "state",
        "attempts",
        "next attempt",
        "last error",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            escape(row.call_id),
            escape(row.action),
            escape(row.idempotency_key),
            row.state.value,
            str(row.attempts),
            row.next_attempt_at.isoformat(timespec="seconds") if row.next_attempt_at else "",
            escape(row.last_error or ""),
        )
    console = Console()
    print_store(console, settings)
    console.print(table)
    console.print(", ".join(f"{state.value}: {n}" for state, n in totals.items()))


@app.command("retry")
def retry(
    keys: Annotated[
        list[str] | None, typer.Argument(help="Idempotency keys to requeue (dead or waiting).")
    ] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Requeue every dead action.")] = False,
) -> None:
    """Make actions due again now, with a fresh set of attempts.

    `callhandoff outbox retry --dead` requeues every dead-lettered action (after an
    outage, or once a destination fixed what it refused); `retry KEY...` requeues
    those keys, dead or waiting for their next attempt. Sent and superseded actions
    are never requeued.
    """
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store import outbox as store

    if not keys and not dead:
        fail("name the idempotency keys to requeue, or pass --dead for every dead action")
    settings = load_settings({})
    console = Console()
    print_store(console, settings)
    try:
        engine = open_engine(settings)
        done = store.requeue(engine, datetime.now(UTC), keys=keys or [], dead=dead)
    except CallhandoffError as exc:
        fail(str(exc))
    console.print(f"requeued {len(done)} action(s)", highlight=False)
    for key in done:
        console.print(f"  {escape(key)}", highlight=False)
    missing = sorted(set(keys or []) - set(done))
    for key in missing:
        console.print(
            f"  [yellow]not requeued[/] {escape(key)} (no such key, already sent, "
            "superseded, or being sent right now)",
            highlight=False,
        )
    if missing:
        raise typer.Exit(1)

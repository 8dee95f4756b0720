"""`callhandoff deliver` sends pending outbox actions; `callhandoff outbox` lists them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callhandoff.cli.common import fail, load_settings, open_engine, print_store
from callhandoff.store.rows import OutboxRow, OutboxState

if TYPE_CHECKING:
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
    holders = [*row.payload.get("subscribers", []), row.payload.get("record") or {}]
    kept_back = [str(name) for held in holders for name in held.get("other_changed_fields", [])]
    lines = ["# this update sets no field at the destination: it carries the signals above"]
    if kept_back:
        lines.append(
            "# changed on the call but not sent (support details stay out of subscriber "
            f"and marketing destinations): {', '.join(kept_back)}"
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
) -> None:
    """Send pending outbox actions to the configured Cloudcart / Cults endpoints."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.routing.delivery.sender import Deliverer, DeliveryConfig
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
            report = deliverer.run(limit)
        finally:
            deliverer.close()
    except CallhandoffError as exc:
        fail(str(exc))
    console.print(
        f"sent {len(report.sent)}, dead-lettered {len(report.dead)}, "
        f"skipped {len(report.skipped)} (destination without endpoint)"
    )
    for key in report.dead:
        console.print(f"  [red]dead[/] {escape(key)}", highlight=False)
    if report.dead:
        raise typer.Exit(1)


def outbox(
    state: Annotated[OutboxState | None, typer.Option(help="Only rows in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
) -> None:
    """List outbox rows: key, action, state, attempts and the last error."""
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
    for column in ("id", "call", "action", "idempotency key", "state", "attempts", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            escape(row.call_id),
            escape(row.action),
            escape(row.idempotency_key),
            row.state.value,
            str(row.attempts),
            escape(row.last_error or ""),
        )
    console = Console()
    print_store(console, settings)
    console.print(table)
    console.print(", ".join(f"{state.value}: {n}" for state, n in totals.items()))

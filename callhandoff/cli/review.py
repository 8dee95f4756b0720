"""`callhandoff review queue | log | export`: the review queue from the terminal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from callhandoff.cli.common import fail, load_settings, open_engine, print_store

app = typer.Typer(
    help="The review queue: what waits, the audit log, reviewed calls as gold data.",
    no_args_is_help=True,
)


@app.command("queue")
def queue(
    limit: Annotated[int, typer.Option(min=1, help="Show the first N items.")] = 20,
) -> None:
    """Open items in queue order (priority, then age) with counts by reason."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.store import review_queue

    settings = load_settings({})
    console = Console()
    now = datetime.now(UTC)
    try:
        engine = open_engine(settings)
        counts = review_queue.counts(engine, review_queue.QueueFilter(), now)
        rows = review_queue.page(engine, review_queue.QueueFilter(), now, number=0, size=limit)
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(console, settings)
    typer.echo(f"{counts.total} call(s) awaiting review")
    for code, n in counts.by_reason.items():
        typer.echo(f"  {n:5d}  {code}")
    for row in rows:
        held = f"  held by {row.claimed_by}" if row.claimed_by else ""
        typer.echo(
            f"#{row.id:<6d} {row.call_id}  {row.urgency:<8} priority {row.priority_score:3d}  "
            f"{row.intent or '—'}  {', '.join(row.reason_codes)}{held}"
        )


@app.command("log")
def log(
    call_id: Annotated[str | None, typer.Argument(help="Only this call's actions.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the newest N actions.")] = None,
) -> None:
    """Every reviewer action, oldest first: who, when, what changed, decision before and after."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.review.audit import describe
    from callhandoff.store import review_log

    settings = load_settings({})
    try:
        actions = review_log.log(open_engine(settings), call_id, limit)
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(Console(), settings)
    if not actions:
        typer.echo("no review actions" + (f" for {call_id}" if call_id else ""))
        return
    for action in actions:
        typer.echo("\n".join(describe(action)))


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), time())
        except ValueError:
            fail(f"--since {value!r} is not a date (YYYY-MM-DD or an ISO timestamp)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="Gold dataset to write (JSONL of GoldItem).")],
    since: Annotated[
        str | None, typer.Option(help="Only calls reviewed at or after this date (UTC).")
    ] = None,
    split: Annotated[
        str, typer.Option(help="dev (scored only) or train (may be trained on).")
    ] = "dev",
) -> None:
    """Write approved calls as gold eval data: the reviewer's values are the labels."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.review import export as exporter

    if split not in {"dev", "train"}:
        fail(f"--split must be dev or train, not {split!r}")
    chosen: Literal["dev", "train"] = "train" if split == "train" else "dev"
    settings = load_settings({})
    try:
        result = exporter.reviewed_items(open_engine(settings), _since(since), chosen)
        exporter.write(out, result.items)
    except CallhandoffError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    print_store(Console(), settings)
    corrected = sum(1 for item in result.items if item.corrected_fields)
    typer.echo(
        f"{len(result.items)} reviewed call(s) written to {out.resolve()} "
        f"({corrected} with corrected fields, split {chosen})"
    )
    for call_id, why in result.skipped:
        typer.echo(f"  left out {call_id}: {why}")

"""`callhandoff purge --older-than 30d`: remove the words of calls past their retention time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from callhandoff.cli.common import fail, load_settings, open_engine, print_store

_AGE = re.compile(r"\s*(\d+)\s*([hdw])\s*", re.IGNORECASE)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_SHOWN_CALLS = 20


def parse_age(text: str) -> timedelta:
    """`12h`, `30d`, `2w` as a duration; a ValueError naming the problem otherwise."""
    match = _AGE.fullmatch(text)
    if match is None:
        raise ValueError(f"--older-than {text!r}: write a number and h, d or w (12h, 30d, 2w)")
    age = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if age <= timedelta(0):
        raise ValueError(f"--older-than {text!r}: the age must be more than zero")
    return age


def purge(
    older_than: Annotated[
        str,
        typer.Option(
            "--older-than", help="Retention time: purge what was stored longer ago (30d, 12h, 2w)."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be purged; change nothing.")
    ] = False,
) -> None:
    """Remove the transcripts, quotes and summaries of calls stored before the retention time.

    Decisions, reasons, extracted values, outbox rows and the review audit trail stay;
    what was removed is marked with the time it was purged.
    """
    from callhandoff.store.retention import purge_before
    from callhandoff.summarizer.cache import CACHE_FILE, LLMCache

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        fail(str(exc))
    settings = load_settings({})
    engine = open_engine(settings)
    console = Console(highlight=False)
    print_store(console, settings)
    now = datetime.now(UTC)
    cutoff = now - age
    report = purge_before(engine, cutoff, now, dry_run=dry_run)
    cached = 0
    cache_path = settings.data_dir / CACHE_FILE
    if cache_path.exists():
        cache = LLMCache(cache_path)
        try:
            cached = cache.forget_before(cutoff, dry_run=dry_run)
        finally:
            cache.close()
    verb = "would purge" if dry_run else "purged"
    lines = [
        f"{verb} {report.versions} transcript version(s) of {len(report.calls)} call(s) "
        f"stored before {cutoff:%Y-%m-%d %H:%M} UTC (older than {older_than.strip()})",
        f"  with them: {report.extractions} extraction(s), {report.decisions} decision "
        f"action(s), {report.review_items} review item(s), {report.review_actions} review "
        f"audit row(s), {report.outbox_rows} outbox payload(s); {cached} cached model "
        "answer(s)",
    ]
    if report.calls:
        shown = ", ".join(report.calls[:_SHOWN_CALLS])
        more = len(report.calls) - _SHOWN_CALLS
        lines.append(f"  calls: {shown}" + (f" and {more} more" if more > 0 else ""))
    if report.versions and not dry_run:
        lines.append(
            "  decisions, reasons, values, outbox states and the review audit trail are kept; "
            "`callhandoff explain CALL_ID` shows when a transcript was purged"
        )
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)

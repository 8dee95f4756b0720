"""`callhandoff process`: transcripts in, one handoff per call out, rejects kept aside."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from callhandoff.cli.common import fail, load_settings
from callhandoff.exceptions import CallhandoffError
from callhandoff.pipeline import process_stream
from callhandoff.readers import iter_inputs
from callhandoff.routing.router import Router
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.summarizer.factory import build_backend

_TRANSCRIPT_SUFFIXES = {".json", ".jsonl", ".ndjson", ".txt"}


def _estimate_records(paths: list[str], recursive: bool) -> int | None:
    """A cheap upper-bound-ish count for the progress bar: lines of JSONL, 1 per other file."""
    total = 0
    for raw in paths:
        if raw == "-":
            return None
        path = Path(raw)
        files = [path] if path.is_file() else []
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            files = [p for p in path.glob(pattern) if p.suffix in _TRANSCRIPT_SUFFIXES]
        for file in files:
            if file.suffix in {".jsonl", ".ndjson"}:
                with file.open("rb") as handle:
                    total += sum(
                        chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")
                    )
            else:
                total += 1
    return total


def _summary_table(title: str, counts: Counter[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title.split()[-1], style="cyan")
    table.add_column("calls", justify="right")
    for key, count in counts.most_common():
        table.add_row(key, str(count))
    return table


_DECISIONS_SHOWN = 50


def _decisions_table(decided: list[CallResult], total: int) -> Table:
    """One row per call: decision, reason codes and the action (first calls only)."""
    shown = f" (first {len(decided)} of {total})" if total > len(decided) else ""
    table = Table(title=f"Decisions{shown}", title_justify="left")
    for column in ("call", "decision", "reasons", "action"):
        table.add_column(column, overflow="fold")
    for item in decided:
        assert item.decision is not None
        table.add_row(
            item.call_id,
            item.decision.kind.value,
            ", ".join(reason.code for reason in item.decision.reasons),
            item.action.action if item.action else "",
        )
    return table


def _print_summary(
    console: Console,
    results: int,
    by_intent: Counter[str],
    by_urgency: Counter[str],
    by_decision: Counter[str],
    rejects: list[Rejected],
    out: str,
    rejects_path: Path,
) -> None:
    console.print(_summary_table("Handoffs by intent", by_intent))
    console.print(_summary_table("Handoffs by urgency", by_urgency))
    if by_decision:
        console.print(_summary_table("Handoffs by decision", by_decision))
    console.print(f"[bold]{results}[/] handoffs written to {out}")
    if rejects:
        console.print(f"[bold red]{len(rejects)}[/] inputs rejected, kept in {rejects_path}:")
        for reject in rejects[:10]:
            console.print(f"  [red]{reject.message()}[/]", highlight=False, markup=False)
        if len(rejects) > 10:
            console.print(f"  ... and {len(rejects) - 10} more")
    else:
        console.print("0 inputs rejected")


def process(
    paths: Annotated[
        list[str], typer.Argument(help="Transcript files or folders ('-' reads stdin).")
    ],
    out: Annotated[
        str, typer.Option("--out", "-o", help="Where handoffs go, as JSONL ('-' for stdout).")
    ] = "handoffs.jsonl",
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where unreadable inputs go (default: <out>.rejects.jsonl)."),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="offline, openai or auto (openai when a base URL is set).")
    ] = None,
    destination: Annotated[
        Destination | None,
        typer.Option(help="Destination for transcripts that do not name one."),
    ] = None,
    recursive: Annotated[bool, typer.Option(help="Descend into sub-folders.")] = False,
    concurrency: Annotated[int | None, typer.Option(help="Parallel model calls.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name for the openai backend.")] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt id, e.g. handoff-v1.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    cache: Annotated[bool, typer.Option(help="Answer repeated model calls from the cache.")] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    route: Annotated[
        bool,
        typer.Option(help="Match each call to the store directory, decide and persist it."),
    ] = True,
) -> None:
    """Extract a grounded handoff from every transcript and write them as JSONL."""
    overrides: dict[str, Any] = {
        "backend": backend,
        "default_destination": destination,
        "concurrency": concurrency,
        "model": model,
        "prompt": prompt,
        "base_url": base_url,
        "use_cache": cache,
    }
    settings = load_settings(overrides)
    rejects_path = rejects or (
        Path("handoffs.rejects.jsonl") if out == "-" else Path(out).with_suffix(".rejects.jsonl")
    )
    err_console = Console(stderr=True)
    report_console = err_console if out == "-" else Console()

    by_intent: Counter[str] = Counter()
    by_urgency: Counter[str] = Counter()
    by_decision: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    decided: list[CallResult] = []
    rejected: list[Rejected] = []
    written = 0
    try:
        with ExitStack() as stack:
            sink: TextIO = (
                sys.stdout
                if out == "-"
                else stack.enter_context(Path(out).open("w", encoding="utf-8"))
            )
            reject_sink = stack.enter_context(rejects_path.open("w", encoding="utf-8"))
            extraction = build_backend(settings)
            stack.callback(extraction.close)
            bar = stack.enter_context(
                Progress(
                    TextColumn("[progress.description]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=err_console,
                    disable=not progress,
                    transient=False,
                )
            )
            task = bar.add_task(
                f"processing ({extraction.name})", total=_estimate_records(paths, recursive)
            )
            inputs = iter_inputs(
                paths,
                default_destination=settings.default_destination,
                tz=settings.tz,
                recursive=recursive,
            )
            router = Router.from_settings(settings) if route else None
            for item in process_stream(inputs, extraction, settings, router=router):
                if isinstance(item, CallResult):
                    sink.write(item.model_dump_json(exclude_none=True) + "\n")
                    written += 1
                    handoff = item.handoff
                    by_intent[
                        handoff.request.intent.value if handoff.request.intent else "none"
                    ] += 1
                    by_urgency[handoff.urgency.value if handoff.urgency else "none"] += 1
                    if item.decision is not None:
                        by_decision[item.decision.kind.value] += 1
                        by_reason.update(reason.code for reason in item.decision.reasons)
                        if len(decided) < _DECISIONS_SHOWN:
                            decided.append(item)
                else:
                    reject_sink.write(item.model_dump_json() + "\n")
                    rejected.append(item)
                bar.advance(task)
            bar.update(task, total=written + len(rejected))
    except CallhandoffError as exc:
        fail(str(exc))
    _print_summary(
        report_console, written, by_intent, by_urgency, by_decision, rejected, out, rejects_path
    )
    if decided:
        report_console.print(_decisions_table(decided, written))
        report_console.print(_summary_table("Decision reasons by code", by_reason))

"""`callhandoff process`: transcripts in, one handoff per call out, rejects kept aside."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from callhandoff.cli.common import fail, load_settings
from callhandoff.cli.process_report import Tally, estimate_records, print_report
from callhandoff.exceptions import CallhandoffError
from callhandoff.pipeline import process_stream
from callhandoff.readers import iter_inputs
from callhandoff.routing.router import Router
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import CallResult
from callhandoff.summarizer.factory import build_backend


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
        str | None,
        typer.Option(help="offline, openai, hybrid or auto (openai when a base URL is set)."),
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
    # --- LLM budget (callhandoff/summarizer/budget.py) ---
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            help="Stop sending model calls once this many USD are spent; the rest stay "
            "pending and a re-run continues.",
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            help="Stop sending model calls once this many tokens are used; the rest stay "
            "pending and a re-run continues.",
        ),
    ] = None,
    # --- end of LLM budget ---
) -> None:
    """Extract a grounded handoff from every transcript and write them as JSONL."""
    overrides: dict[str, Any] = {
        "cost_ceiling_usd": max_cost,
        "max_run_tokens": max_tokens,
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

    tally = Tally()
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
                f"processing ({extraction.name})", total=estimate_records(paths, recursive)
            )
            inputs = iter_inputs(
                paths,
                default_destination=settings.default_destination,
                tz=settings.tz,
                recursive=recursive,
            )
            router = Router.from_settings(settings) if route else None
            for item in process_stream(inputs, extraction, settings, router=router):
                if isinstance(item, CallResult) and item.handoff.meta.pending:
                    tally.pending += 1
                    tally.pending_reason = tally.pending_reason or item.handoff.meta.fallback_reason
                    bar.advance(task)
                    continue
                if isinstance(item, CallResult):
                    sink.write(item.model_dump_json(exclude_none=True) + "\n")
                else:
                    reject_sink.write(item.model_dump_json() + "\n")
                tally.add(item)
                bar.advance(task)
            bar.update(task, total=tally.written + tally.rejected + tally.pending)
    except CallhandoffError as exc:
        fail(str(exc))
    print_report(report_console, tally, out, rejects_path)

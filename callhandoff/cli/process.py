"""`callhandoff process`: transcripts in, one handoff per call out, rejects kept aside."""

from __future__ import annotations

from contextlib import ExitStack, closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from callhandoff import longlived
from callhandoff.cli import options
from callhandoff.cli.common import fail, load_settings, print_store
from callhandoff.schema.enums import Destination

if TYPE_CHECKING:
    from callhandoff.routing.router import Router
    from callhandoff.settings import Settings


def process(
    paths: Annotated[
        list[str], typer.Argument(help="Transcript files or folders ('-' reads stdin).")
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            help="Where handoffs go, as JSONL ('-' for stdout). An existing file is replaced "
            "when the run finishes (never before), unless --append.",
        ),
    ] = "handoffs.jsonl",
    append: Annotated[
        bool,
        typer.Option(help="Add to the end of --out and the rejects file instead of replacing."),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where unreadable inputs go (default: <out>.rejects.jsonl)."),
    ] = None,
    backend: options.Backend = None,
    destination: Annotated[
        Destination | None,
        typer.Option(help="Destination for transcripts that do not name one."),
    ] = None,
    recursive: Annotated[bool, typer.Option(help="Descend into sub-folders.")] = False,
    concurrency: options.Concurrency = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes for the offline backend (one per core helps). With one, a large "
            "routed run extracts in a process of its own while this one routes.",
        ),
    ] = 1,
    model: options.Model = None,
    prompt: options.Prompt = None,
    base_url: options.BaseUrl = None,
    cache: options.Cache = True,
    progress: options.ShowProgress = True,
    route: Annotated[
        bool,
        typer.Option(help="Match each call to the store directory, decide and persist it."),
    ] = True,
    batch_api: Annotated[
        bool,
        typer.Option(
            "--batch-api",
            help="Bulk back-fill: send the calls through the OpenAI Batch API first (half "
            "price, answers within 24 h), then process them from the cache.",
        ),
    ] = False,
    batch_id: Annotated[
        str | None,
        typer.Option(help="With --batch-api: resume this batch instead of creating one."),
    ] = None,
    # --- LLM run limits (callhandoff/summarizer/budget.py) ---
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
    # --- end of LLM run limits ---
) -> None:
    """Extract a grounded handoff from every transcript and write them as JSONL.

    Handoffs go to handoffs.jsonl (or --out), unreadable inputs to the rejects
    file beside it; with routing (the default) every call is also matched,
    decided and stored, and the report says which store was used.
    """
    with longlived.loading():  # the run's modules load as the command's own did
        from callhandoff.cli.output import OutputFile
        from callhandoff.cli.process_report import Tally, estimate_records, print_report
        from callhandoff.exceptions import CallhandoffError
        from callhandoff.pipeline import process_stream
        from callhandoff.readers import iter_inputs
        from callhandoff.readers.common import Limits
        from callhandoff.schema.result import CallResult
        from callhandoff.summarizer.base import ExtractionBackend
        from callhandoff.summarizer.factory import build_backend
        from callhandoff.workers import ExtractionPool, extraction_processes

    overrides = options.backend_overrides(
        backend=backend,
        model=model,
        prompt=prompt,
        base_url=base_url,
        concurrency=concurrency,
        cache=cache,
    )
    settings = load_settings(
        {
            **overrides,
            "default_destination": destination,
            "cost_ceiling_usd": max_cost,
            "max_run_tokens": max_tokens,
        }
    )
    if workers > 1 and settings.resolved_backend != "offline":
        fail("--workers runs the offline backend in processes; for a model use --concurrency")
    if batch_api:
        if settings.resolved_backend != "openai":
            fail("--batch-api needs the openai backend: set CALLHANDOFF_BASE_URL or --backend")
        _backfill(paths, settings, recursive, batch_id)
    rejects_path = rejects or (
        Path("handoffs.rejects.jsonl") if out == "-" else Path(out).with_suffix(".rejects.jsonl")
    )
    err_console = Console(stderr=True)
    report_console = err_console if out == "-" else Console()

    tally = Tally()
    try:
        with ExitStack() as stack:
            expected = estimate_records(paths, recursive)
            processes = extraction_processes(
                workers,
                offline=settings.resolved_backend == "offline",
                routed=route,
                expected_calls=expected,
            )
            # backend and store before any output file is touched: a bad one stops the run;
            # worker processes build their own backends while this one opens the store
            with longlived.loading():  # settled before collections resume
                pool = (
                    stack.enter_context(ExtractionPool(settings, processes)) if processes else None
                )
                extraction: ExtractionBackend | None = None
                if pool is None:
                    extraction = build_backend(settings)
                    stack.callback(extraction.close)
                router = _router(settings, report_console) if route else None
                stack.enter_context(longlived.settled())  # while the workers still load
                if pool is not None:
                    pool.wait_ready()
            label = extraction.name if extraction else f"{settings.resolved_backend} × {processes}"
            sink = stack.enter_context(OutputFile(out, append=append))
            reject_sink = stack.enter_context(
                OutputFile(rejects_path, append=append, option="--rejects")
            )
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
            task = bar.add_task(f"processing ({escape(label)})", total=expected)
            inputs = iter_inputs(
                paths,
                default_destination=settings.default_destination,
                tz=settings.tz,
                recursive=recursive,
                limits=Limits.from_settings(settings),
            )
            results = stack.enter_context(
                closing(
                    process_stream(inputs, extraction, settings, router=router, processes=pool or 0)
                )
            )
            for item in results:
                if isinstance(item, CallResult) and item.handoff.meta.pending:
                    tally.add_pending(item)  # not written: a re-run extracts it
                    bar.advance(task)
                    continue
                if isinstance(item, CallResult):
                    sink.write(item.json_line())
                else:
                    reject_sink.write(item.model_dump_json())
                tally.add(item)
                bar.advance(task)
            bar.update(task, total=tally.written + tally.rejected + tally.pending)
    except CallhandoffError as exc:
        fail(str(exc))
    print_report(report_console, tally, out, rejects_path)
    if tally.rejected and not tally.written:
        fail(f"every input was rejected ({tally.rejected}); nothing was processed")


def _router(settings: Settings, console: Console) -> Router:
    """The router on the configured store; says which store, and warns when it is empty."""
    from callhandoff.routing.router import Router
    from callhandoff.store.directory import has_records

    router = Router.from_settings(settings)
    print_store(console, settings)
    if not has_records(router.engine):
        console.print(
            "[bold yellow]warning:[/] the store has no customers, orders or bookings, so "
            "every call will go to review as unmatched; load your store's records first "
            "with `callhandoff directory load PATH`",
            highlight=False,
            soft_wrap=True,
        )
    return router


def _backfill(paths: list[str], settings: Settings, recursive: bool, batch_id: str | None) -> None:
    """Run the Batch API back-fill, printing its progress; the cache then answers the calls."""
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.readers import iter_inputs
    from callhandoff.schema.transcript import Transcript
    from callhandoff.summarizer.batch_api import BatchBackfill
    from callhandoff.summarizer.llm_backend import LLMBackend

    console = Console(stderr=True)

    def status(batch: str, state: str, counts: dict[str, int]) -> None:
        done = counts.get("completed", 0) + counts.get("failed", 0)
        console.print(f"batch {batch}: {state} ({done}/{counts.get('total', 0)})", highlight=False)

    backend = LLMBackend(settings)
    try:
        transcripts = (
            item
            for item in iter_inputs(
                paths,
                default_destination=settings.default_destination,
                tz=settings.tz,
                recursive=recursive,
            )
            if isinstance(item, Transcript)
        )
        report = BatchBackfill(backend, on_status=status).run(transcripts, batch_id)
    except CallhandoffError as exc:
        fail(str(exc))
    finally:
        backend.close()
    console.print(
        f"batch back-fill: {report.answered} answered, {len(report.failed)} left for live "
        f"calls, {report.already_cached} already cached; {report.prompt_tokens:,} prompt + "
        f"{report.completion_tokens:,} completion tokens, ${report.cost_usd:.4f} "
        "(Batch API price)",
        highlight=False,
    )

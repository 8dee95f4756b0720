"""`callhandoff eval`: run a backend over a gold dataset, report, compare two runs, gate CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from callhandoff.cli.common import fail, load_settings
from callhandoff.cli.recordings import recording_note, recording_overrides
from callhandoff.evals import runs as run_store
from callhandoff.evals.compare import compare_runs
from callhandoff.evals.dataset import load_dataset
from callhandoff.evals.gate import evaluate_gate
from callhandoff.evals.html_report import write_html
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.report import (
    NONE,
    comparison_report,
    field_table,
    fmt,
    gate_table,
    headline_table,
    item_table,
    print_group,
    run_report,
)
from callhandoff.evals.routing import DEMO_DIRECTORY, isolated_router
from callhandoff.evals.runner import RouterFactory, run_dataset
from callhandoff.evals.scoring import score_item
from callhandoff.evals.thresholds import Thresholds, load_thresholds
from callhandoff.exceptions import CallhandoffError
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.summarizer.base import ExtractionBackend
from callhandoff.summarizer.factory import build_backend

app = typer.Typer(
    help="Score backends and prompts on the gold datasets; compare runs; gate CI.",
    no_args_is_help=True,
)

DEFAULT_DATASET = Path("evals/datasets/dev.jsonl")
DEFAULT_THRESHOLDS = Path("evals/thresholds.yaml")
RunRef = Annotated[str, typer.Argument(help="Run id, a unique prefix of one, or latest[~N].")]


def _store(settings: Settings) -> Engine:
    return open_store(settings.resolved_database_url)


def _thresholds(path: Path | None) -> Thresholds:
    """The given file; else evals/thresholds.yaml when present; else the built-in weights."""
    if path is not None:
        return load_thresholds(path)
    return load_thresholds(DEFAULT_THRESHOLDS) if DEFAULT_THRESHOLDS.is_file() else Thresholds()


def _make_backend(settings: Settings) -> ExtractionBackend:
    return build_backend(settings)


def _router_factory(settings: Settings, directory: Path | None) -> RouterFactory | None:
    """A fresh router on a temporary store per pass, or None (`--no-route`)."""
    if directory is None:
        return None
    if not directory.exists():
        fail(f"store directory not found: {directory} (pass --directory PATH or --no-route)")
    return lambda: isolated_router(settings, directory)


@app.command("run")
def run(
    dataset: Annotated[Path, typer.Option(help="Gold dataset (JSONL of GoldItem).")] = (
        DEFAULT_DATASET
    ),
    split: Annotated[str | None, typer.Option(help="Only items of this split.")] = None,
    origin: Annotated[str | None, typer.Option(help="handwritten, cucom or abcd.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items.")] = None,
    backend: Annotated[str | None, typer.Option(help="offline, openai, hybrid or auto.")] = None,
    model: Annotated[str | None, typer.Option(help="Model for the openai backend.")] = None,
    prompt: Annotated[
        str | None, typer.Option(help="Prompt id (e.g. hybrid-v2) or path to a prompt file.")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Parallel model calls.")] = None,
    cache: Annotated[bool, typer.Option(help="Answer repeated model calls from the cache.")] = True,
    repeat: Annotated[
        int, typer.Option(min=1, help="Run each item N times; reports agreement between them.")
    ] = 1,
    thresholds: Annotated[
        Path | None, typer.Option(help="Decision-cost weights (default evals/thresholds.yaml).")
    ] = None,
    directory: Annotated[
        Path, typer.Option(help="Store directory the gold decisions were labelled against.")
    ] = DEMO_DIRECTORY,
    route: Annotated[
        bool, typer.Option(help="Match and decide each call (decision metrics need it).")
    ] = True,
    label: Annotated[str | None, typer.Option(help="A note to find the run by.")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    # --- model traffic recordings (callhandoff/summarizer/recording.py) ---
    record_to: Annotated[
        Path | None,
        typer.Option(
            "--record", help="Write every model exchange of the run to this file (.jsonl[.gz])."
        ),
    ] = None,
    replay_from: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="Re-score a recorded run from its file: no server, no key, no cost; "
            "the recording's model, prompt and settings are used.",
        ),
    ] = None,
    # --- end of model traffic recordings ---
) -> None:
    """Score every item of a dataset with a backend and store the run."""
    overrides: dict[str, Any] = {
        "backend": backend,
        "model": model,
        "prompt": prompt,
        "base_url": base_url,
        "concurrency": concurrency,
        "use_cache": cache,
        **recording_overrides(record_to, replay_from),
    }
    settings = load_settings(overrides)
    console = Console()
    try:
        data = load_dataset(dataset, split=split, origin=origin, limit=limit)
        weights = _thresholds(thresholds)
        engine = _store(settings)
        routers = _router_factory(settings, directory if route else None)
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not progress,
        ) as bar:
            task = bar.add_task("scoring", total=len(data.items) * repeat)
            output = run_dataset(
                data,
                settings,
                make_backend=_make_backend,
                make_router=routers,
                repeat=repeat,
                on_item=lambda n: bar.advance(task, n),
            )
        _, metrics = score_runs(output.items, weights.costs)
        record = run_store.save_run(engine, output, metrics, settings, label=label)
    except CallhandoffError as exc:
        fail(str(exc))
    console.print(headline_table(metrics))
    if replay_from is not None or record_to is not None:
        console.print(recording_note(metrics, record_to, replay_from), highlight=False)
    console.print(field_table(metrics))
    if html is not None:
        console.print(f"HTML report: {write_html(record, html)}")
    console.print(
        f"stored as run [bold]{record.run_id}[/] (dataset {data.path} "
        f"version {data.short_version}); details: callhandoff eval report {record.run_id}",
        highlight=False,
    )


@app.command("report")
def report(
    run_ref: RunRef = "latest",
    html: Annotated[
        Path | None,
        typer.Option(help="Where the HTML report goes (default <data_dir>/eval-reports/)."),
    ] = None,
    write: Annotated[bool, typer.Option("--html-file/--no-html-file", help="Write HTML.")] = True,
) -> None:
    """Print a run's tables and write its self-contained HTML report with charts."""
    settings = load_settings({})
    console = Console()
    try:
        record = run_store.load_run(_store(settings), run_ref)
    except CallhandoffError as exc:
        fail(str(exc))
    print_group(console, run_report(record))
    if write:
        target = html or settings.data_dir / "eval-reports" / f"{record.run_id}.html"
        console.print(f"HTML report: {write_html(record, target)}", highlight=False)


@app.command("compare")
def compare(
    run_a: RunRef,
    run_b: RunRef,
    limit: Annotated[int, typer.Option(min=1, help="Flips listed per direction.")] = 50,
    item: Annotated[
        str | None, typer.Option(help="Also show this item's two handoffs side by side.")
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Decision-cost weights (default evals/thresholds.yaml).")
    ] = None,
) -> None:
    """Per-metric deltas (B - A) and the items that flipped right→wrong and wrong→right."""
    settings = load_settings({})
    console = Console()
    try:
        engine = _store(settings)
        record_a = run_store.load_run(engine, run_a)
        record_b = run_store.load_run(engine, run_b)
        items_a = run_store.load_items(engine, record_a.run_id)
        items_b = run_store.load_items(engine, record_b.run_id)
        weights = _thresholds(thresholds)
    except CallhandoffError as exc:
        fail(str(exc))
    same = record_a.dataset_version == record_b.dataset_version
    if not same:
        console.print(
            f"[yellow]warning:[/] the runs used different dataset versions "
            f"({record_a.dataset_version[:12]} vs {record_b.dataset_version[:12]}); "
            "only items in both are compared"
        )
    comparison = compare_runs(
        record_a.run_id, items_a, record_b.run_id, items_b, costs=weights.costs, same_dataset=same
    )
    console.print(f"{comparison.items_compared} items compared")
    print_group(console, comparison_report(comparison, limit))
    if comparison.only_in_a or comparison.only_in_b:
        console.print(
            f"only in A: {len(comparison.only_in_a)} items; only in B: {len(comparison.only_in_b)}"
        )
    if item is not None:
        _show_item(console, item, (items_a, items_b), (record_a.run_id, record_b.run_id))


def _show_item(
    console: Console, item_id: str, items: tuple[list[ItemRun], list[ItemRun]], ids: tuple[str, str]
) -> None:
    """The item's fields in both runs side by side, then each run's summary and next step."""
    found = []
    for run_id, runs in zip(ids, items, strict=True):
        run = next((r for r in runs if r.item_id == item_id and r.repeat == 0), None)
        if run is None:
            fail(f"item {item_id!r} is not in run {run_id}")
        found.append(run)
    console.print(item_table(item_id, score_item(found[0]), score_item(found[1]), *ids))
    for run_id, run in zip(ids, found, strict=True):
        if run.result is None:
            console.print(f"{run_id}: no output ({run.error})", highlight=False)
        else:
            handoff = run.result.handoff
            console.print(
                f"{run_id}: summary: {handoff.summary or NONE} | next step: "
                f"{handoff.next_step or NONE}",
                highlight=False,
                markup=False,
            )


@app.command("gate")
def gate(
    run_ref: RunRef = "latest",
    thresholds: Annotated[Path, typer.Option(help="Thresholds YAML.")] = DEFAULT_THRESHOLDS,
) -> None:
    """Exit 1 when any metric of the run is outside its threshold (CI runs this)."""
    settings = load_settings({})
    console = Console()
    try:
        bounds = load_thresholds(thresholds)
        engine = _store(settings)
        record = run_store.load_run(engine, run_ref)
        _, metrics = score_runs(run_store.load_items(engine, record.run_id), bounds.costs)
    except CallhandoffError as exc:
        fail(str(exc))
    result = evaluate_gate(metrics.flat(), bounds)
    console.print(gate_table(result, record.run_id))
    if not result.checks:
        fail(f"{thresholds}: no min / max thresholds to check")
    if not result.passed:
        err = Console(stderr=True)
        err.print(f"[bold red]gate failed:[/] {len(result.failures)} metric(s) out of bounds")
        for check in result.failures:
            err.print(f"  {check.describe()}", highlight=False)
        raise typer.Exit(1)
    console.print(f"gate passed: {len(result.checks)} checks within {thresholds}")


@app.command("list")
def list_runs(
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
) -> None:
    """The stored runs, newest first, with their headline figures."""
    settings = load_settings({})
    try:
        records = run_store.list_runs(_store(settings), limit)
    except CallhandoffError as exc:
        fail(str(exc))
    table = Table(title="Eval runs", title_justify="left")
    for name in ("run", "created", "label", "backend/model", "prompt", "dataset", "items",
                 "intent acc", "decision acc", "USD"):  # fmt: skip
        table.add_column(name)
    for r in records:
        m = r.metrics
        table.add_row(
            r.run_id,
            r.created_at.isoformat(timespec="minutes"),
            r.label or "",
            f"{r.backend}/{r.model or '-'}",
            r.prompt_id or "-",
            r.dataset_version[:8],
            str(m.items),
            fmt(m.intent.accuracy),
            fmt(m.decision.accuracy),
            fmt(m.usage.cost_usd_total, 4),
        )
    Console().print(table)

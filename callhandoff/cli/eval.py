"""`callhandoff eval`: run a backend over a gold dataset, report, compare two runs, gate CI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from callhandoff.cli import eval_compare, eval_judge, options
from callhandoff.cli.common import fail, load_settings, print_store
from callhandoff.cli.eval_common import (
    RunRef,
    load_with_items,
    store,
    thresholds_or_default,
)
from callhandoff.evals.defaults import DEFAULT_DATASET, DEFAULT_THRESHOLDS, DEMO_DIRECTORY

# The eval machinery is imported inside each command, so `callhandoff --help` and
# the other commands start without it.
if TYPE_CHECKING:
    from callhandoff.evals.runner import RouterFactory
    from callhandoff.settings import Settings

app = typer.Typer(
    help="Score backends and prompts on the gold datasets; compare runs; gate CI.",
    no_args_is_help=True,
)
app.command("compare")(eval_compare.compare)
app.command("judge")(eval_judge.judge)
app.command("judge-agreement")(eval_judge.judge_agreement)

GroupByOption = Annotated[
    str | None, typer.Option("--by", help="Break every metric down by: origin.")
]


def _router_factory(settings: Settings, directory: Path | None) -> RouterFactory | None:
    """A fresh router on a temporary store per pass, or None (`--no-route`)."""
    from callhandoff.evals.routing import isolated_router

    if directory is None:
        return None
    if not directory.exists():
        fail(f"store directory not found: {directory} (pass --directory PATH or --no-route)")
    return lambda: isolated_router(settings, directory)


def _check_group_by(by: str | None) -> None:
    from callhandoff.evals.breakdown import GROUP_BY

    if by is not None and by not in GROUP_BY:
        fail(f"--by {by}: choose one of {', '.join(GROUP_BY)}")


@app.command("run")
def run(
    dataset: Annotated[Path, typer.Option(help="Gold dataset (JSONL of GoldItem).")] = (
        DEFAULT_DATASET
    ),
    split: Annotated[str | None, typer.Option(help="Only items of this split.")] = None,
    origin: Annotated[str | None, typer.Option(help="handwritten, cucom or abcd.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items.")] = None,
    sample: Annotated[
        int | None,
        typer.Option(min=1, help="A stratified random sample of N items (by origin and intent)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample (same seed, same items).")] = 0,
    backend: options.Backend = None,
    model: options.Model = None,
    prompt: options.Prompt = None,
    base_url: options.BaseUrl = None,
    concurrency: options.Concurrency = None,
    cache: options.Cache = True,
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
    by: GroupByOption = None,
    label: Annotated[str | None, typer.Option(help="A note to find the run by.")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    progress: options.ShowProgress = True,
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from callhandoff.cli.recordings import recording_note, recording_overrides
    from callhandoff.evals import runs as run_store
    from callhandoff.evals.breakdown import breakdown
    from callhandoff.evals.dataset import load_dataset
    from callhandoff.evals.html_report import write_html
    from callhandoff.evals.item_views import item_views
    from callhandoff.evals.metrics import score_runs
    from callhandoff.evals.references import load_references
    from callhandoff.evals.report import breakdown_table, field_table, headline_table
    from callhandoff.evals.runner import run_dataset
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.summarizer.factory import build_backend

    settings = load_settings(
        options.backend_overrides(
            backend=backend,
            model=model,
            prompt=prompt,
            base_url=base_url,
            concurrency=concurrency,
            cache=cache,
        )
        | recording_overrides(record_to, replay_from)
    )
    _check_group_by(by)
    if limit is not None and sample is not None:
        fail("give either --limit (the first N items) or --sample (a stratified sample), not both")
    console = Console()
    try:
        data = load_dataset(
            dataset, split=split, origin=origin, limit=limit, sample=sample, seed=seed
        )
        weights = thresholds_or_default(thresholds)
        engine = store(settings)
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
                make_backend=build_backend,
                make_router=routers,
                repeat=repeat,
                on_item=lambda n: bar.advance(task, n),
            )
        _, metrics = score_runs(output.items, weights.costs)
        record = run_store.save_run(engine, output, metrics, settings, label=label, group_by=by)
        groups = breakdown(output.items, by, weights.costs) if by else None
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(console, settings)
    if data.sample_size is not None:
        console.print(
            f"stratified sample of {len(data.items)} items by origin and intent (seed {seed})",
            highlight=False,
        )
    console.print(headline_table(metrics))
    if replay_from is not None or record_to is not None:
        console.print(recording_note(metrics, record_to, replay_from), highlight=False)
    console.print(field_table(metrics))
    if groups is not None:
        console.print(breakdown_table(groups))
    if html is not None:
        views = item_views(output.items, load_references())
        target = write_html(record, html, items=views, breakdown=groups)
        console.print(f"HTML report: {escape(str(target))}", highlight=False, soft_wrap=True)
    console.print(f"dataset {data.path}, version {data.short_version}", markup=False)
    console.print(f"stored as run {record.run_id}", highlight=False, soft_wrap=True)
    console.print(f"details: callhandoff eval report {record.run_id}", soft_wrap=True)


@app.command("report")
def report(
    run_ref: RunRef = "latest",
    html: Annotated[
        Path | None,
        typer.Option(help="Where the HTML report goes (default <data_dir>/eval-reports/)."),
    ] = None,
    write: Annotated[bool, typer.Option("--html-file/--no-html-file", help="Write HTML.")] = True,
    by: GroupByOption = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Decision-cost weights for the breakdown.")
    ] = None,
) -> None:
    """Print a run's tables and write its self-contained HTML report (charts, wrong items)."""
    from callhandoff.evals.breakdown import breakdown
    from callhandoff.evals.html_report import write_html
    from callhandoff.evals.item_views import item_views
    from callhandoff.evals.judgements import load_verdicts
    from callhandoff.evals.references import load_references
    from callhandoff.evals.report import print_group, run_report
    from callhandoff.exceptions import CallhandoffError

    settings = load_settings({})
    _check_group_by(by)
    console = Console()
    try:
        engine = store(settings)
        record, items = load_with_items(engine, run_ref)
        group_by = by or record.group_by
        groups = (
            breakdown(items, group_by, thresholds_or_default(thresholds).costs)
            if group_by
            else None
        )
        verdicts = {item: v.describe() for item, v in load_verdicts(engine, record.run_id).items()}
        references = load_references()
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(console, settings)
    print_group(console, run_report(record, groups))
    if write:
        target = html or settings.data_dir / "eval-reports" / f"{record.run_id}.html"
        views = item_views(items, references)
        written = write_html(record, target, items=views, breakdown=groups, verdicts=verdicts)
        console.print(f"HTML report: {escape(str(written))}", highlight=False, soft_wrap=True)


@app.command("gate")
def gate(
    run_ref: RunRef = "latest",
    thresholds: Annotated[Path, typer.Option(help="Thresholds YAML.")] = DEFAULT_THRESHOLDS,
    baseline: Annotated[
        str | None,
        typer.Option(help="Also check every quality metric against this run (id or latest~N)."),
    ] = None,
    max_drop: Annotated[
        float, typer.Option(min=0.0, help="How far a metric may fall below the baseline's.")
    ] = 0.01,
) -> None:
    """Exit 1 when any metric of the run is outside its threshold (CI runs this)."""
    from callhandoff.evals.gate import gate_run
    from callhandoff.evals.report import gate_table, print_group
    from callhandoff.evals.thresholds import load_thresholds
    from callhandoff.exceptions import CallhandoffError

    settings = load_settings({})
    console = Console()
    try:
        bounds = load_thresholds(thresholds)
        engine = store(settings)
        record, items = load_with_items(engine, run_ref)
        base = load_with_items(engine, baseline) if baseline is not None else None
    except CallhandoffError as exc:
        fail(str(exc))
    if not bounds.minimum and not bounds.maximum:
        fail(f"{thresholds}: no min / max thresholds to check")
    result = gate_run(items, bounds, baseline_items=base[1] if base else None, max_drop=max_drop)
    print_store(console, settings)
    print_group(console, gate_table(result, record.run_id, base[0].run_id if base else None))
    if record.sample_size is not None:
        console.print(
            f"note: run {record.run_id} scored a sample of {record.sample_size} items "
            f"(seed {record.sample_seed}); absolute thresholds are set for the whole dataset",
            highlight=False,
            soft_wrap=True,
        )
    if not result.passed:
        err = Console(stderr=True)
        err.print(f"[bold red]gate failed:[/] {len(result.failures)} metric(s) out of bounds")
        for check in result.failures:
            err.print(f"  {check.describe()}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    against = f" and within {max_drop:g} of baseline {base[0].run_id}" if base else ""
    console.print(
        f"gate passed: {len(result.checks)} checks within {thresholds}{against}", soft_wrap=True
    )


@app.command("list")
def list_runs(
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
) -> None:
    """The stored runs, newest first, with what they ran with and their headline figures."""
    from callhandoff.evals import runs as run_store
    from callhandoff.evals.report import list_table
    from callhandoff.exceptions import CallhandoffError

    settings = load_settings({})
    try:
        records = run_store.list_runs(store(settings), limit)
    except CallhandoffError as exc:
        fail(str(exc))
    console = Console()
    print_store(console, settings)
    console.print(list_table(records))

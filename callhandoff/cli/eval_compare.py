"""`callhandoff eval compare A B`: the verdict, the configuration diff, the tests and every
changed item, in the terminal and as an HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from callhandoff.cli.common import fail, load_settings
from callhandoff.cli.eval_common import RunRef, load_with_items, store, thresholds_or_default
from callhandoff.evals.defaults import DEFAULT_RESAMPLES, DEFAULT_SEED

if TYPE_CHECKING:
    from callhandoff.evals.records import ItemRun


def compare(
    run_a: RunRef,
    run_b: RunRef,
    limit: Annotated[int, typer.Option(min=1, help="Changes listed per kind.")] = 50,
    item: Annotated[
        str | None, typer.Option(help="Also show this item's two handoffs side by side.")
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(help="Decision-cost weights (default evals/thresholds.yaml).")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Also write the comparison as HTML.")] = None,
    resamples: Annotated[
        int, typer.Option(min=100, help="Bootstrap resamples for the 95% intervals.")
    ] = DEFAULT_RESAMPLES,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = DEFAULT_SEED,
) -> None:
    """Verdict (better / worse / within noise) of B against A, with intervals and changed items."""
    from callhandoff.evals.compare import compare_runs
    from callhandoff.evals.compare_report import comparison_report
    from callhandoff.evals.html_compare import render_compare_html
    from callhandoff.evals.html_report import write_page
    from callhandoff.evals.references import load_references
    from callhandoff.evals.report import print_group
    from callhandoff.exceptions import CallhandoffError

    settings = load_settings({})
    console = Console()
    try:
        engine = store(settings)
        record_a, items_a = load_with_items(engine, run_a)
        record_b, items_b = load_with_items(engine, run_b)
        weights = thresholds_or_default(thresholds)
        references = load_references() if html is not None else {}
    except CallhandoffError as exc:
        fail(str(exc))
    comparison = compare_runs(
        record_a.run_id,
        items_a,
        record_b.run_id,
        items_b,
        costs=weights.costs,
        configs=(record_a, record_b),
        resamples=resamples,
        seed=seed,
    )
    print_group(console, comparison_report(comparison, limit))
    if item is not None:
        _show_item(console, item, (items_a, items_b), (record_a.run_id, record_b.run_id))
    if html is not None:
        page = render_compare_html(comparison, items_a, items_b, references)
        written = escape(str(write_page(page, html)))
        console.print(f"HTML comparison: {written}", highlight=False, soft_wrap=True)


def _show_item(
    console: Console, item_id: str, items: tuple[list[ItemRun], list[ItemRun]], ids: tuple[str, str]
) -> None:
    """The item's fields in both runs side by side, then each run's summary and next step."""
    from callhandoff.evals.report import NONE, item_table
    from callhandoff.evals.scoring import score_item

    found = []
    for run_id, runs in zip(ids, items, strict=True):
        run = next((r for r in runs if r.item_id == item_id and r.repeat == 0), None)
        if run is None:
            fail(f"item {item_id!r} is not in run {run_id}")
        found.append(run)
    console.print(item_table(item_id, score_item(found[0]), score_item(found[1]), *ids))
    for run_id, run in zip(ids, found, strict=True):
        if run.result is None:
            console.print(f"{run_id}: no output ({run.error})", highlight=False, markup=False)
        else:
            handoff = run.result.handoff
            console.print(
                f"{run_id}: summary: {handoff.summary or NONE} | next step: "
                f"{handoff.next_step or NONE}",
                highlight=False,
                markup=False,
            )

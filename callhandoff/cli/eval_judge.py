"""`callhandoff eval judge RUN` and `eval judge-agreement`: the LLM judge of summaries.

The judge talks to the configured OpenAI-compatible endpoint (CALLHANDOFF_BASE_URL,
CALLHANDOFF_MODEL, or --base-url / --model), one request at a time, so runs are
kept small by default (--limit).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from callhandoff.cli.common import fail, load_settings, print_store
from callhandoff.cli.eval_common import RunRef, load_with_items, store
from callhandoff.evals.defaults import DEFAULT_DATASET, DEFAULT_JUDGE_PROMPT, SUMMARY_LABELS_PATH

if TYPE_CHECKING:
    from callhandoff.evals.judge import FactsCheck, SummaryJudge

PromptOption = Annotated[str, typer.Option("--judge-prompt", help="Judge prompt id.")]
BaseUrlOption = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")]
ModelOption = Annotated[str | None, typer.Option(help="Judge model.")]


def _judge(prompt_id: str, base_url: str | None, model: str | None) -> SummaryJudge:
    from callhandoff.evals.judge import SummaryJudge, load_judge_prompt

    overrides: dict[str, Any] = {"base_url": base_url, "model": model}
    settings = load_settings(overrides)
    return SummaryJudge(settings, load_judge_prompt(prompt_id))


def judge(
    run_ref: RunRef = "latest",
    limit: Annotated[int, typer.Option(min=1, help="Summaries to judge (first N items).")] = 10,
    item: Annotated[
        list[str] | None, typer.Option(help="Judge only this item (repeatable).")
    ] = None,
    judge_prompt: PromptOption = DEFAULT_JUDGE_PROMPT,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
) -> None:
    """Ask the LLM judge whether each summary of a run is good or bad; store the verdicts."""
    from callhandoff.evals.judge import judge_case
    from callhandoff.evals.judgements import save_verdicts
    from callhandoff.evals.references import load_references
    from callhandoff.evals.report import fmt
    from callhandoff.exceptions import CallhandoffError

    console = Console()
    settings = load_settings({})
    try:
        judge_model = _judge(judge_prompt, base_url, model)
        engine = store(settings)
        record, items = load_with_items(engine, run_ref)
        references = load_references()
    except CallhandoffError as exc:
        fail(str(exc))
    print_store(console, settings)
    wanted = [
        r for r in items
        if r.repeat == 0 and r.result is not None and (not item or r.item_id in item)
    ][:limit]  # fmt: skip
    judged = []
    for run in wanted:
        assert run.result is not None
        handoff = run.result.handoff
        case = judge_case(run.item, handoff.summary, handoff.next_step, references.get(run.item_id))
        verdict = judge_model.judge(case)
        judged.append(verdict)
        shown = verdict.verdict or f"no verdict ({verdict.error})"
        console.print(f"{run.item_id}: {shown}: {verdict.reason}", highlight=False, markup=False)
    stored = save_verdicts(engine, record.run_id, judge_model.prompt, judge_model.model, judged)
    good = sum(1 for j in judged if j.verdict == "good")
    console.print(
        f"judged {len(judged)} summaries of {record.run_id} with {judge_model.prompt.id} "
        f"({judge_model.model}): {good} good, {stored - good} bad, {len(judged) - stored} "
        f"without a verdict; good rate {fmt(good / stored if stored else None)}",
        highlight=False,
        soft_wrap=True,
    )


def judge_agreement(
    labels: Annotated[
        Path, typer.Option(help="Hand-labelled summaries (JSONL).")
    ] = SUMMARY_LABELS_PATH,
    dataset: Annotated[Path, typer.Option(help="Dataset holding the items.")] = DEFAULT_DATASET,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N labels.")] = None,
    judge_prompt: PromptOption = DEFAULT_JUDGE_PROMPT,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    facts: Annotated[
        bool,
        typer.Option("--facts-check", help="Judge with the rule 'names every gold fact' instead."),
    ] = False,
) -> None:
    """How often the judge agrees with the hand labels: agreement and Cohen's kappa."""
    from callhandoff.evals.dataset import load_dataset
    from callhandoff.evals.judge import FactsCheck, agreement, judge_case
    from callhandoff.evals.references import load_labels, load_references
    from callhandoff.evals.report import compact_table, fmt
    from callhandoff.exceptions import CallhandoffError

    console = Console()
    try:
        judge_model: SummaryJudge | FactsCheck = (
            FactsCheck() if facts else _judge(judge_prompt, base_url, model)
        )
        hand = load_labels(labels)[:limit]
        items = {item.id: item for item in load_dataset(dataset).items}
        references = load_references()
    except CallhandoffError as exc:
        fail(str(exc))
    missing = [label.id for label in hand if label.id not in items]
    if missing:
        fail(f"{labels}: items not in {dataset}: {', '.join(missing[:5])}")
    table = compact_table(
        f"Judge {judge_model.prompt.id} ({judge_model.model}) against hand labels"
    )
    for name in ("item", "human", "judge", "agree", "judge's reason"):
        table.add_column(name, overflow="fold", no_wrap=name != "judge's reason")
    pairs = []
    for label in hand:
        case = judge_case(items[label.id], label.summary, label.next_step, references.get(label.id))
        verdict = judge_model.judge(case)
        pairs.append((label.label, verdict.verdict))
        agree = (
            "—" if verdict.verdict is None else ("yes" if verdict.verdict == label.label else "NO")
        )
        table.add_row(label.id, label.label, verdict.verdict or "none", agree,
                      verdict.reason or verdict.error or "")  # fmt: skip
    result = agreement(pairs)
    console.print(table)
    console.print(
        f"agreement {fmt(result.accuracy)}: {result.agree} of {result.judged} verdicts match the "
        f"hand label ({result.labelled} labelled); Cohen's kappa {fmt(result.kappa)}; "
        f"human good -> judge {result.confusion['good']}, human bad -> judge "
        f"{result.confusion['bad']}",
        highlight=False,
        soft_wrap=True,
    )

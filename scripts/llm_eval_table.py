"""Print stored eval runs side by side as a Markdown table, with the LLM figures.

    .venv/bin/python scripts/llm_eval_table.py RUN_A RUN_B ... [--model-only]

For each run (an id, a unique prefix or latest~N, as `callhandoff eval` takes
them): the quality metrics the eval suite stores, plus what matters for a model
backend, read from each item's handoff: the share of calls that produced a
handoff without whole-handoff fallback, attempts, prompt and completion tokens
and seconds per call (median and mean), quotes re-anchored, fields dropped,
asked again or filled from the extractors. `--model-only` adds, for hybrid runs,
how often the model's own label was right where it gave one.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence

from callhandoff.evals import runs as run_store
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.runs import RunRecord
from callhandoff.evals.thresholds import Thresholds, load_thresholds
from callhandoff.schema.handoff import Handoff
from callhandoff.settings import Settings
from callhandoff.store.db import open_store

Row = tuple[str, Callable[[RunRecord, list[ItemRun]], str]]


def _f(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _handoffs(items: list[ItemRun]) -> list[Handoff]:
    return [item.result.handoff for item in items if item.result is not None and item.repeat == 0]


def _median(values: Sequence[float], digits: int = 0) -> str:
    return _f(statistics.median(values), digits) if values else "—"


def _mean(values: Sequence[float], digits: int = 0) -> str:
    return _f(statistics.fmean(values), digits) if values else "—"


def _uses_model(handoffs: list[Handoff]) -> bool:
    return any(h.meta.attempts and h.meta.prompt_tokens for h in handoffs)


def _model_stat(fn: Callable[[list[Handoff]], str]) -> Callable[[RunRecord, list[ItemRun]], str]:
    def stat(_record: RunRecord, items: list[ItemRun]) -> str:
        handoffs = _handoffs(items)
        return fn(handoffs) if _uses_model(handoffs) else "—"

    return stat


def _metric(name: str, digits: int = 3) -> Callable[[RunRecord, list[ItemRun]], str]:
    return lambda record, _items: _f(record.metrics.flat().get(name), digits)


def _without_fallback(handoffs: list[Handoff]) -> str:
    ok = sum(1 for h in handoffs if h.meta.fallback_reason is None)
    return f"{ok / len(handoffs):.3f} ({ok}/{len(handoffs)})"


def _count(handoffs: list[Handoff], what: Callable[[Handoff], int]) -> str:
    return str(sum(what(h) for h in handoffs))


def _both(numbers: Callable[[Handoff], float], digits: int = 0) -> Callable[[list[Handoff]], str]:
    """`median / mean` of a per-call number."""

    def stat(handoffs: list[Handoff]) -> str:
        values = [numbers(h) for h in handoffs]
        return f"{_median(values, 0)} / {_mean(values, digits)}"

    return stat


def _total(numbers: Callable[[Handoff], int]) -> Callable[[list[Handoff]], str]:
    return lambda handoffs: _count(handoffs, numbers)


def _seconds(_record: RunRecord, items: list[ItemRun]) -> str:
    values = [item.latency_ms / 1000 for item in items if item.repeat == 0]
    return f"{_median(values, 1)} / {_mean(values, 1)}"


def _contacts(record: RunRecord, items: list[ItemRun]) -> str:
    return f"{_metric('field.caller_email.f1')(record, items)} / " + _metric(
        "field.caller_phone.f1"
    )(record, items)


ROWS: list[Row] = [
    ("items", lambda record, _items: str(record.metrics.items)),
    ("handoff without whole-handoff fallback", _model_stat(_without_fallback)),
    ("intent accuracy", _metric("intent.accuracy")),
    ("intent macro-F1", _metric("intent.macro_f1")),
    ("return reason F1", _metric("field.return_reason.f1")),
    ("refund expectation F1", _metric("field.refund_expectation.f1")),
    ("risk flags micro-F1", _metric("risk_flags.micro_f1")),
    ("urgency exact match", _metric("field.urgency.exact_match")),
    ("order id F1", _metric("field.order_id.f1")),
    ("caller email / phone F1", _contacts),
    ("decision accuracy", _metric("decision.accuracy")),
    ("decision cost-weighted error", _metric("decision.cost_error")),
    ("grounding violations / item", _metric("grounding.violations_per_item")),
    ("attempts per call, median / mean", _model_stat(_both(lambda h: h.meta.attempts, 2))),
    ("prompt tokens per call, median / mean", _model_stat(_both(lambda h: h.meta.prompt_tokens))),
    (
        "completion tokens per call, median / mean",
        _model_stat(_both(lambda h: h.meta.completion_tokens)),
    ),
    ("seconds per call, median / mean", _seconds),
    ("quotes re-anchored", _model_stat(_total(lambda h: len(h.grounding.reanchored)))),
    ("model values dropped", _model_stat(_total(lambda h: len(h.grounding.dropped)))),
    ("calls with a re-ask", _model_stat(_total(lambda h: int(bool(h.meta.reasked))))),
    ("fields filled by code", _model_stat(_total(lambda h: len(h.meta.filled)))),
]


def model_only(items: list[ItemRun]) -> str:
    """Intent accuracy of the model's own label, where it gave one (hybrid runs)."""
    right = given = 0
    for item in items:
        if item.result is None or item.repeat:
            continue
        handoff = item.result.handoff
        if "intent (classifier)" in handoff.meta.filled or handoff.request.intent is None:
            continue
        given += 1
        right += handoff.request.intent.value == item.item.gold.intent
    return f"{right}/{given}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--model-only", action="store_true")
    parser.add_argument("--thresholds", default="evals/thresholds.yaml")
    args = parser.parse_args(argv)
    engine = open_store(Settings().resolved_database_url)
    weights: Thresholds = load_thresholds(args.thresholds)
    columns: list[tuple[RunRecord, list[ItemRun]]] = []
    for ref in args.runs:
        record = run_store.load_run(engine, ref)
        items = run_store.load_items(engine, record.run_id)
        _, metrics = score_runs(items, weights.costs)
        columns.append((record.model_copy(update={"metrics": metrics}), items))
    names = [f"{r.backend} ({r.label or r.run_id})" for r, _ in columns]
    print("| metric | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(columns))
    for title, stat in ROWS:
        print(f"| {title} | " + " | ".join(stat(r, i) for r, i in columns) + " |")
    if args.model_only:
        print(
            "| model's own intent right | " + " | ".join(model_only(i) for _, i in columns) + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

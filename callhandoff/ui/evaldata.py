"""What the eval pages show, as plain functions over the stored runs (no Streamlit).

Thin on purpose: every figure and model comes from `callhandoff.evals` (stored
runs, `score_runs`, `item_view`, `compare_runs` with its verdict, tests and
changed items); these functions only pick and group them for the pages, the
same models the terminal report and the HTML report render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Engine

from callhandoff.evals.changes import ChangeKind, ItemChange
from callhandoff.evals.compare import Comparison, compare_runs
from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.item_views import ItemView, item_view
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.references import load_references
from callhandoff.evals.runs import RunRecord, list_runs, load_items, load_run
from callhandoff.evals.scoring import ItemScore

HEADLINES: tuple[tuple[str, str], ...] = (
    ("intent.accuracy", "intent acc"),
    ("risk_flags.micro_f1", "risk F1"),
    ("decision.accuracy", "decision acc"),
    ("decision.cost_error", "cost error"),
    ("grounding.violations_per_item", "violations/item"),
    ("calibration.ece", "ECE"),
    ("latency.p50_ms", "p50 ms"),
)


def runs_table(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """One row per stored run, newest first: how it was made and its headline scores."""
    rows = []
    for run in list_runs(engine, limit):
        flat = run.metrics.flat()
        row: dict[str, Any] = {
            "run": run.run_id,
            "when": run.created_at.strftime("%Y-%m-%d %H:%M"),
            "label": run.label or "",
            "dataset": f"{run.dataset_version[:12]} ({run.dataset_items} items)",
            "backend": run.backend + (f" / {run.model}" if run.model else ""),
            "prompt": run.prompt_id or "",
        }
        row.update({label: flat.get(name) for name, label in HEADLINES})
        rows.append(row)
    return rows


@dataclass(frozen=True)
class RunView:
    """One run: its record, per-field scores and every item's right / wrong per field."""

    record: RunRecord
    fields: list[dict[str, Any]]
    scores: list[ItemScore]
    items: dict[str, ItemRun]


def run_view(engine: Engine, ref: str, costs: DecisionCosts | None = None) -> RunView:
    """A stored run re-scored from its items (repeat 0)."""
    record = load_run(engine, ref)
    items = [run for run in load_items(engine, record.run_id) if run.repeat == 0]
    scores, metrics = score_runs(items, costs)
    fields = [
        {
            "field": name,
            "exact match": m.exact_match,
            "precision": m.precision,
            "recall": m.recall,
            "f1": m.f1,
            "support": m.support,
        }
        for name, m in metrics.fields.items()
    ]
    return RunView(record, fields, scores, {run.item_id: run for run in items})


def item_rows(
    view: RunView, field_name: str | None, outcome: Literal["all", "right", "wrong"]
) -> list[dict[str, Any]]:
    """The run's items, optionally only those right or wrong on one field (or the decision)."""
    rows = []
    for score in view.scores:
        if field_name == "decision":
            right: bool | None = (
                None if score.decision_gold is None else score.decision_pred == score.decision_gold
            )
        elif field_name:
            right = score.fields[field_name].exact
        else:
            right = all(o.exact for o in score.fields.values())
        if outcome != "all" and (right is None or right != (outcome == "right")):
            continue
        wrong = [name for name, o in score.fields.items() if not o.exact]
        rows.append(
            {
                "item": score.item_id,
                "origin": view.items[score.item_id].item.origin,
                "right": right,
                "wrong fields": ", ".join(wrong),
                "decision": f"{score.decision_pred or '—'} (gold {score.decision_gold or '—'})",
            }
        )
    return rows


def item_detail(view: RunView, item_id: str) -> ItemView:
    """The eval suite's view of one item: transcript, gold vs predicted per field, evidence
    quotes, the decision's reasons; secrets said on the call are masked."""
    score = next(s for s in view.scores if s.item_id == item_id)
    return item_view(view.items[item_id], score, load_references().get(item_id))


@dataclass(frozen=True)
class ChangedItem:
    """One item whose output changed between run A and run B: its changes, decisions first."""

    item_id: str
    changes: list[ItemChange]

    @property
    def cost_effect(self) -> float:
        """The item's decision cost in B minus in A (0 when the decision did not change)."""
        return next((c.cost_delta or 0.0 for c in self.changes if c.field == "decision"), 0.0)


@dataclass(frozen=True)
class CompareView:
    """Two runs compared by the eval suite (`compare_runs`), with the changes grouped by item."""

    comparison: Comparison
    items: list[ChangedItem]

    def count(self, kind: ChangeKind) -> int:
        """How many field outputs changed in one way."""
        return len(self.comparison.changed(kind))


def compare_view(
    engine: Engine, ref_a: str, ref_b: str, costs: DecisionCosts | None = None
) -> CompareView:
    """The verdict, the tests, the configuration diff and every changed item of B against A."""
    a, b = load_run(engine, ref_a), load_run(engine, ref_b)
    comparison = compare_runs(
        a.run_id,
        load_items(engine, a.run_id),
        b.run_id,
        load_items(engine, b.run_id),
        costs=costs or DecisionCosts(),
        configs=(a, b),
    )
    by_item: dict[str, list[ItemChange]] = {}
    for change in comparison.changes:
        by_item.setdefault(change.item_id, []).append(change)
    items = [ChangedItem(item_id, changes) for item_id, changes in by_item.items()]
    items.sort(key=lambda item: (-item.cost_effect, item.item_id))
    return CompareView(comparison, items)

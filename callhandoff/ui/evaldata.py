"""What the eval pages show, as plain functions over the stored runs (no Streamlit).

Thin on purpose: every figure comes from `callhandoff.evals` (stored runs,
`score_runs`, `compare_runs`, the decision costs); these functions only shape
it into rows for the run list, one run's fields and items, one item, and the
comparison of two runs (every item whose output changed, with its
cost-weighted effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.engine import Engine

from callhandoff.evals.compare import Comparison, compare_runs
from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.evals.runs import RunRecord, list_runs, load_items, load_run
from callhandoff.evals.scoring import ItemScore, iter_extracted
from callhandoff.schema.transcript import Transcript

HEADLINES: tuple[tuple[str, str], ...] = (
    ("intent.accuracy", "intent acc"),
    ("risk_flags.micro_f1", "risk F1"),
    ("decision.accuracy", "decision acc"),
    ("decision.cost_error", "cost error"),
    ("grounding.violations_per_item", "violations/item"),
    ("calibration.ece", "ECE"),
    ("latency.p50_ms", "p50 ms"),
)

Change = Literal["right_to_wrong", "wrong_to_right", "wrong_to_differently_wrong"]


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


@dataclass(frozen=True)
class ItemDetail:
    """One item of a run: transcript, gold vs predicted per field, quotes and the decision."""

    item_id: str
    transcript: Transcript
    fields: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    decision: str | None
    decision_gold: str | None
    reasons: list[tuple[str, str]] = field(default_factory=list)


def _shown(values: tuple[str, ...]) -> str:
    return ", ".join(values) if values else "—"


def item_detail(view: RunView, item_id: str) -> ItemDetail:
    """Gold vs predicted per field, the evidence quotes and the decision's reasons."""
    run = view.items[item_id]
    score = next(s for s in view.scores if s.item_id == item_id)
    result = run.result
    quotes = []
    if result is not None:
        for path, value, evidence in iter_extracted(result.handoff):
            quotes.append(
                {"field": path, "value": str(getattr(value, "value", value)),
                 "turn": evidence.turn, "quote": evidence.quote}
            )  # fmt: skip
    decision = result.decision if result is not None else None
    return ItemDetail(
        item_id=item_id,
        transcript=run.item.transcript,
        fields=[
            {
                "field": name,
                "gold": _shown(score.fields[name].gold),
                "predicted": _shown(score.fields[name].pred),
                "right": score.fields[name].exact,
            }
            for name in FIELD_NAMES
        ],
        quotes=quotes,
        decision=decision.kind.value if decision else None,
        decision_gold=score.decision_gold,
        reasons=[(r.code, r.message) for r in decision.reasons] if decision else [],
    )


@dataclass(frozen=True)
class ItemChange:
    """One item whose output changed between run A and run B."""

    item_id: str
    changes: list[dict[str, str]]
    decision_a: str | None
    decision_b: str | None
    decision_gold: str | None
    cost_effect: float


@dataclass(frozen=True)
class CompareView:
    """Two runs side by side: metric deltas and every item whose output changed."""

    comparison: Comparison
    items: list[ItemChange]

    def count(self, change: Change) -> int:
        """Field outputs that changed in one way."""
        return sum(1 for item in self.items for c in item.changes if c["change"] == change)


def _change(right_a: bool, right_b: bool) -> Change | None:
    if right_a and not right_b:
        return "right_to_wrong"
    if right_b and not right_a:
        return "wrong_to_right"
    return None if right_a else "wrong_to_differently_wrong"


def compare_view(
    engine: Engine, ref_a: str, ref_b: str, costs: DecisionCosts | None = None
) -> CompareView:
    """Deltas from `compare_runs`, and per item every changed field with the decision's cost."""
    costs = costs or DecisionCosts()
    a, b = load_run(engine, ref_a), load_run(engine, ref_b)
    items_a, items_b = load_items(engine, a.run_id), load_items(engine, b.run_id)
    comparison = compare_runs(
        a.run_id, items_a, b.run_id, items_b, costs=costs,
        same_dataset=a.dataset_version == b.dataset_version,
    )  # fmt: skip
    first_b = {run.item_id: run for run in items_b if run.repeat == 0}
    shared = [run for run in items_a if run.repeat == 0 and run.item_id in first_b]
    scores_a, _ = score_runs(shared, costs)
    scores_b, _ = score_runs([first_b[run.item_id] for run in shared], costs)
    changed: list[ItemChange] = []
    for sa, sb in zip(scores_a, scores_b, strict=True):
        rows = []
        for name in FIELD_NAMES:
            oa, ob = sa.fields[name], sb.fields[name]
            kind = _change(oa.exact, ob.exact) if oa.pred != ob.pred else None
            if kind is not None:
                rows.append({"field": name, "change": kind, "gold": _shown(oa.gold),
                             "a": _shown(oa.pred), "b": _shown(ob.pred)})  # fmt: skip
        effect = 0.0
        if sa.decision_gold is not None and sa.decision_pred != sb.decision_pred:
            gold = sa.decision_gold
            cost_a = costs.cost(gold, sa.decision_pred, sa.gold_intents)
            cost_b = costs.cost(gold, sb.decision_pred, sb.gold_intents)
            effect = cost_b - cost_a
            kind = _change(sa.decision_pred == gold, sb.decision_pred == gold)
            if kind is not None:
                pred_a, pred_b = sa.decision_pred or "—", sb.decision_pred or "—"
                rows.append(
                    {"field": "decision", "change": kind, "gold": gold, "a": pred_a, "b": pred_b}
                )
        if rows:
            changed.append(
                ItemChange(sa.item_id, rows, sa.decision_pred, sb.decision_pred,
                           sa.decision_gold, effect)
            )  # fmt: skip
    changed.sort(key=lambda item: (-item.cost_effect, item.item_id))
    return CompareView(comparison, changed)

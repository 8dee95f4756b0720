"""The HTML form of `eval compare`: verdict, configuration diff, tests, and every changed item
whole (gold, A and B per field, both decisions with their reasons, both summaries, the
transcript), filterable by kind of change and by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from callhandoff.evals.changes import CHANGE_KINDS, CHANGE_TITLES, ItemChange
from callhandoff.evals.compare import Comparison
from callhandoff.evals.compare_report import fmt_cost, fmt_delta, fmt_interval, overview_lines
from callhandoff.evals.html_common import filter_box, page, table
from callhandoff.evals.html_items import (
    decision_html,
    reference_html,
    summary_html,
    transcript_html,
)
from callhandoff.evals.item_views import ItemView, item_view
from callhandoff.evals.records import ItemRun
from callhandoff.evals.references import Reference
from callhandoff.evals.report import fmt_value
from callhandoff.evals.verdict import MetricTest

NONE = "—"


def _tests_table(tests: Sequence[MetricTest]) -> str:
    rows = [
        [t.metric, fmt_value(t.metric, t.a), fmt_value(t.metric, t.b), fmt_delta(t.metric, t.delta),
         fmt_interval(t), NONE if t.p_value is None else f"{t.p_value:.3f}", t.outcome, t.basis]
        for t in tests
    ]  # fmt: skip
    classes = [{"worse": "wrong", "better": "changed"}.get(t.outcome, "") for t in tests]
    headers = ["metric", "A", "B", "B - A", "95% CI", "McNemar p", "result", "why"]
    return table(headers, rows, row_classes=classes)


def _side_by_side(a: ItemView, b: ItemView) -> str:
    rows, classes = [], []
    for field_a, field_b in zip(a.fields, b.fields, strict=True):
        if NONE == field_a.gold == field_a.predicted == field_b.predicted:
            continue
        rows.append([field_a.field, field_a.gold, field_a.predicted, field_b.predicted,
                     " · ".join(field_b.evidence)])  # fmt: skip
        classes.append("changed" if field_a.predicted != field_b.predicted else "")
    return table(["field", "gold", "A", "B", "B evidence"], rows, row_classes=classes,
                 text_columns=(1, 2, 3, 4))  # fmt: skip


def _changed_item(
    item_id: str,
    changes: Sequence[ItemChange],
    views: tuple[ItemView, ItemView],
    reference: Reference | None,
) -> str:
    a, b = views
    tags = sorted({c.kind for c in changes} | {c.field for c in changes})
    rows = [[c.field, CHANGE_TITLES[c.kind], c.gold, c.a, c.b, fmt_cost(c.cost_delta)]
            for c in changes]  # fmt: skip
    cost = next((c.cost_delta for c in changes if c.cost_delta is not None), None)
    heading = f"{item_id} · {', '.join(sorted({c.field for c in changes}))} · cost {fmt_cost(cost)}"
    return (
        f'<details class="item" data-tags="{escape(" ".join(tags))}"><summary>'
        f"{escape(heading)}</summary>"
        f"{table(['field', 'change', 'gold', 'A', 'B', 'cost'], rows, text_columns=(2, 3, 4))}"
        f"{_side_by_side(a, b)}"
        f'<div class="cols"><div><h4>A</h4>{decision_html(a)}{summary_html(a)}</div>'
        f"<div><h4>B</h4>{decision_html(b)}{summary_html(b)}</div></div>"
        f"{reference_html(reference) if reference else ''}"
        f"<h4>Transcript</h4>{transcript_html(a)}</details>"
    )


def _changed_items(
    comparison: Comparison,
    items_a: Sequence[ItemRun],
    items_b: Sequence[ItemRun],
    references: Mapping[str, Reference],
) -> str:
    by_item: dict[str, list[ItemChange]] = {}
    for change in comparison.changes:
        by_item.setdefault(change.item_id, []).append(change)
    runs_a = {r.item_id: r for r in items_a if r.repeat == 0}
    runs_b = {r.item_id: r for r in items_b if r.repeat == 0}
    counts: dict[str, int] = {}
    for changes in by_item.values():
        for tag in {c.kind for c in changes} | {c.field for c in changes}:
            counts[tag] = counts.get(tag, 0) + 1
    ordered: dict[str, int] = {kind: counts.pop(kind) for kind in CHANGE_KINDS if kind in counts}
    ordered.update(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    body = "".join(
        _changed_item(
            item_id,
            changes,
            (item_view(runs_a[item_id]), item_view(runs_b[item_id])),
            references.get(item_id),
        )
        for item_id, changes in by_item.items()
    )
    return (
        f"<h2>Changed items ({len(by_item)})</h2>"
        f"{filter_box('Kind of change or field:', ordered, len(by_item))}{body}"
    )


def render_compare_html(
    comparison: Comparison,
    items_a: Sequence[ItemRun],
    items_b: Sequence[ItemRun],
    references: Mapping[str, Reference] | None = None,
) -> str:
    """The whole comparison as one HTML document."""
    config = table(
        ["setting", "A", "B"],
        [[row.setting, row.a, row.b] for row in comparison.config],
        row_classes=["changed" if row.differs else "" for row in comparison.config],
        text_columns=(1, 2),
    )
    overview = "".join(f"<li>{escape(line)}</li>" for line in overview_lines(comparison))
    moved = comparison.moved_fields
    fields = _tests_table(moved) if moved else "<p>none</p>"
    body = (
        f'<p class="verdict">{escape(comparison.verdict.line)}</p>'
        f"<p>A = {escape(comparison.run_a)}<br>B = {escape(comparison.run_b)}<br>"
        f"{comparison.items_compared} items compared; 95% intervals from a paired bootstrap "
        f"({comparison.resamples} resamples, seed {comparison.seed}); p from the exact McNemar "
        f"test</p><h2>Configuration</h2>{config}"
        f"<h2>Headline metrics (B - A)</h2>{_tests_table(comparison.headline)}"
        f"<h2>Per-field metrics that changed</h2>{fields}"
        f"<ul>{overview}</ul>"
        f"{_changed_items(comparison, items_a, items_b, references or {})}"
    )
    return page(f"callhandoff eval compare {comparison.run_a} → {comparison.run_b}", body,
                script=True)  # fmt: skip

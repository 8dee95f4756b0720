"""A self-contained HTML report of one run: tables, inline SVG charts and the wrong items.

The file has no external references (no CDN, no fonts, no images; the item filter
is a few lines of inline JavaScript), so it can be attached to a pull request or
opened from a CI artefact offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from callhandoff.evals import svg
from callhandoff.evals.breakdown import Breakdown
from callhandoff.evals.html_common import page, table
from callhandoff.evals.html_items import items_section
from callhandoff.evals.item_views import ItemView
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.report import fmt, fmt_value, headline_rows, ordered_labels, run_rows
from callhandoff.evals.runs import RunRecord
from callhandoff.schema.enums import DecisionKind, Intent


def _field_section(metrics: RunMetrics) -> str:
    fields = list(metrics.fields.values())
    chart = svg.bar_chart(
        [f.name for f in fields],
        {"exact match": [f.exact_match for f in fields], "F1": [f.f1 for f in fields]},
        title="Per-field exact match and F1",
    )
    headers = ["field", "type", "support", "predicted", "EM", "P", "R", "F1", "ECE"]
    if metrics.agreement is not None:
        headers.append(f"agreement ×{metrics.agreement.repeats}")
    rows = []
    for f in fields:
        row = [f.name, f.kind, str(f.support), str(f.predicted), fmt(f.exact_match),
               fmt(f.precision), fmt(f.recall), fmt(f.f1), fmt(f.ece)]  # fmt: skip
        if metrics.agreement is not None:
            row.append(fmt(f.agreement))
        rows.append(row)
    return f'<h2>Per field</h2><div class="charts">{chart}</div>{table(headers, rows)}'


def _confusion(
    confusion: dict[str, dict[str, int]], order: Sequence[str]
) -> tuple[list[str], list[str], list[list[int]]]:
    rows = ordered_labels(confusion, order)
    columns = ordered_labels({p for row in confusion.values() for p in row} | set(rows), order)
    counts = [[confusion[r].get(c, 0) for c in columns] for r in rows]
    return rows, columns, counts


def _intent_section(metrics: RunMetrics) -> str:
    rows, columns, counts = _confusion(metrics.intent.confusion, [i.value for i in Intent])
    chart = svg.heatmap(rows, columns, counts, title="Intent confusion (rows: gold)")
    per_label = [
        [r.label, str(r.support), str(r.predicted), fmt(r.precision), fmt(r.recall), fmt(r.f1)]
        for r in metrics.intent.per_label
    ]
    return (
        f"<h2>Intent</h2><p>accuracy {fmt(metrics.intent.accuracy)} · macro-F1 "
        f'{fmt(metrics.intent.macro_f1)}</p><div class="charts">{chart}'
        f"{table(['intent', 'support', 'predicted', 'P', 'R', 'F1'], per_label)}</div>"
    )


def _risk_and_decision(metrics: RunMetrics) -> str:
    risk = [
        [r.label, str(r.support), str(r.predicted), fmt(r.precision), fmt(r.recall), fmt(r.f1)]
        for r in metrics.risk_flags.per_label
    ]
    micro = metrics.risk_flags.micro
    html = (
        f"<h2>Risk flags</h2><p>micro P/R/F1 {fmt(micro.precision)} / {fmt(micro.recall)} / "
        f"{fmt(micro.f1)} · macro-F1 {fmt(metrics.risk_flags.macro_f1)}</p>"
        f"{table(['flag', 'support', 'predicted', 'P', 'R', 'F1'], risk)}"
    )
    decision = metrics.decision
    html += (
        f"<h2>Decision</h2><p>accuracy {fmt(decision.accuracy)} · cost-weighted error "
        f"{fmt(decision.cost_error)} · {decision.decided} of {decision.items} items decided</p>"
    )
    if decision.confusion:
        rows, columns, counts = _confusion(decision.confusion, [d.value for d in DecisionKind])
        html += svg.heatmap(rows, columns, counts, title="Decision confusion (rows: gold)")
    return html


def _calibration_and_usage(metrics: RunMetrics) -> str:
    reliability = svg.reliability_diagram(
        metrics.calibration.bins, title="Reliability diagram (all fields)"
    )
    usage = metrics.usage
    latency = svg.histogram(
        [u.latency_ms for u in usage.per_item], title="Latency per item", unit="ms"
    )
    cost = svg.histogram([u.cost_usd for u in usage.per_item], title="Cost per item", unit="USD")
    tokens = svg.histogram(
        [float(u.tokens) for u in usage.per_item], title="Tokens per item", unit="tokens"
    )
    return (
        f"<h2>Calibration</h2><p>ECE {fmt(metrics.calibration.ece)} over "
        f"{metrics.calibration.pairs} predicted values (10 bins; bar = share correct, dashed = "
        f'perfect calibration)</p><div class="charts">{reliability}</div>'
        f"<h2>Cost and latency</h2><p>latency p50 {fmt(usage.latency_p50_ms, 1)} ms · p95 "
        f"{fmt(usage.latency_p95_ms, 1)} ms · tokens/item {fmt(usage.tokens_per_item, 1)} · "
        f"cost total ${fmt(usage.cost_usd_total, 4)}</p>"
        f'<div class="charts">{latency}{tokens}{cost}</div>'
    )


def _grounding_section(metrics: RunMetrics) -> str:
    grounding = metrics.grounding
    rows = [[v.item_id, v.field, v.value, v.reason] for v in grounding.examples]
    listing = table(["item", "field", "value", "why"], rows) if rows else "<p>none</p>"
    return (
        f"<h2>Grounding violations</h2><p>{grounding.violations} of "
        f"{grounding.values_checked} values ({fmt(grounding.violation_rate)}) in "
        f"{grounding.items_with_violations} items</p>{listing}"
    )


def _summary_section(metrics: RunMetrics) -> str:
    summary = metrics.summary
    rows = [[i.item_id, ", ".join(i.missing) or "—", ", ".join(i.invented) or "—"]
            for i in summary.issues]  # fmt: skip
    table_html = table(["item", "facts missing", "invented values"], rows) if rows else ""
    return (
        f"<h2>Summaries</h2><p>required facts named {fmt(summary.facts_recall)} "
        f"({summary.facts_present} of {summary.facts_required}) · summaries naming every fact "
        f"{fmt(summary.all_facts_rate)} · words {fmt(summary.words_mean, 1)} on average · over "
        f"length {fmt(summary.over_length_rate)} · invented values per summary "
        f"{fmt(summary.invented_per_item)}</p>{table_html}"
    )


def breakdown_section(result: Breakdown) -> str:
    """Every metric per group (e.g. per origin) and for the whole run."""
    rows = [[name, *(fmt_value(name, value) for value in values)] for name, values in result.rows()]
    return f"<h2>By {escape(result.by)}</h2>{table(['metric', *result.columns], rows)}"


def render_html(
    record: RunRecord,
    *,
    items: Sequence[ItemView] = (),
    breakdown: Breakdown | None = None,
    verdicts: dict[str, str] | None = None,
) -> str:
    """The whole report as one HTML document (`items`: the wrong items to show whole)."""
    metrics = record.metrics
    body = (
        f"{table(['run', ''], run_rows(record))}"
        f"<h2>Headline metrics</h2>{table(['metric', 'value'], headline_rows(metrics))}"
        f"{breakdown_section(breakdown) if breakdown is not None else ''}"
        f"{_field_section(metrics)}{_intent_section(metrics)}{_risk_and_decision(metrics)}"
        f"{_summary_section(metrics)}{_calibration_and_usage(metrics)}"
        f"{_grounding_section(metrics)}{items_section(items, verdicts) if items else ''}"
    )
    return page(f"callhandoff eval {record.run_id}", body, script=bool(items))


def write_page(html: str, path: Path) -> Path:
    """Write an HTML page to `path` (folders created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def write_html(
    record: RunRecord,
    path: Path,
    *,
    items: Sequence[ItemView] = (),
    breakdown: Breakdown | None = None,
    verdicts: dict[str, str] | None = None,
) -> Path:
    """Write the run's report to `path` (folders created) and return it."""
    return write_page(
        render_html(record, items=items, breakdown=breakdown, verdicts=verdicts), path
    )

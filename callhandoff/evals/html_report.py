"""A self-contained HTML report of one run: tables plus inline SVG charts, no scripts.

The file has no external references (no CDN, no fonts, no JavaScript), so it can
be attached to a pull request or opened from a CI artefact offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from callhandoff.evals import svg
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.report import fmt, headline_rows, ordered_labels, run_rows
from callhandoff.evals.runs import RunRecord
from callhandoff.schema.enums import DecisionKind, Intent

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;
padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9dde3}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem}
th,td{border:1px solid #d9dde3;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f5f8}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.note{color:#6b7785;font-size:.85rem}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
    return f'<h2>Per field</h2><div class="charts">{chart}</div>{_table(headers, rows)}'


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
        f"{_table(['intent', 'support', 'predicted', 'P', 'R', 'F1'], per_label)}</div>"
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
        f"{_table(['flag', 'support', 'predicted', 'P', 'R', 'F1'], risk)}"
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
    table = _table(["item", "field", "value", "why"], rows) if rows else "<p>none</p>"
    return (
        f"<h2>Grounding violations</h2><p>{grounding.violations} of "
        f"{grounding.values_checked} values ({fmt(grounding.violation_rate)}) in "
        f"{grounding.items_with_violations} items</p>{table}"
    )


def render_html(record: RunRecord) -> str:
    """The whole report as one HTML document."""
    metrics = record.metrics
    title = f"callhandoff eval {record.run_id}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>{_table(['run', ''], run_rows(record))}"
        f"<h2>Headline metrics</h2>{_table(['metric', 'value'], headline_rows(metrics))}"
        f"{_field_section(metrics)}{_intent_section(metrics)}{_risk_and_decision(metrics)}"
        f"{_calibration_and_usage(metrics)}{_grounding_section(metrics)}"
        f'<p class="note">Metric definitions: docs/evals.md.</p></body></html>'
    )


def write_html(record: RunRecord, path: Path) -> Path:
    """Write the report to `path` (folders created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(record), encoding="utf-8")
    return path

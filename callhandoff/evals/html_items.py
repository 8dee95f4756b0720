"""HTML of scored items: each wrong item with its transcript, gold against predicted per field
with the evidence quotes, the decision and its reasons, and the summary beside the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from callhandoff.evals.html_common import filter_box, table
from callhandoff.evals.item_views import FieldView, ItemView, wrong_counts
from callhandoff.evals.references import Reference
from callhandoff.evals.summaries import SummaryScore

NONE = "—"


def _confidence(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def transcript_html(view: ItemView) -> str:
    """The numbered turns (numbers as the evidence cites them)."""
    turns = "".join(
        f'<li value="{turn.index}"><b>{escape(turn.speaker)}:</b> {escape(turn.text)}</li>'
        for turn in view.transcript
    )
    return f'<ol class="turns" start="0">{turns}</ol>'


def _field_rows(fields: Sequence[FieldView]) -> tuple[list[list[str]], list[str]]:
    rows, classes = [], []
    for field in fields:
        if field.gold == NONE and field.predicted == NONE:
            continue
        rows.append([field.field, field.gold, field.predicted, "yes" if field.right else "NO",
                     _confidence(field.confidence), " · ".join(field.evidence)])  # fmt: skip
        classes.append("" if field.right else "wrong")
    return rows, classes


def fields_html(view: ItemView) -> str:
    """Gold against predicted for every field either side has, wrong rows marked."""
    rows, classes = _field_rows(view.fields)
    if not rows:
        return "<p>No field has a gold or a predicted value.</p>"
    return table(
        ["field", "gold", "predicted", "right", "confidence", "evidence (turn: quote)"],
        rows,
        row_classes=classes,
        text_columns=(1, 2, 5),
    )


def decision_html(view: ItemView) -> str:
    """The decision against the gold, with the policy's reasons."""
    right = view.decision_right
    verdict = "" if right is None else (" (right)" if right else " (WRONG)")
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in view.reasons)
    return (
        f"<p><b>Decision:</b> gold {escape(view.decision_gold or NONE)}, decided "
        f"{escape(view.decision_pred or NONE)}{verdict}</p>"
        + (f"<ul>{reasons}</ul>" if reasons else "<p>No reasons recorded.</p>")
    )


def summary_score_html(score: SummaryScore | None) -> str:
    """Missing facts, invented values and length of a summary."""
    if score is None:
        return "<p>No summary to score.</p>"
    missing = ", ".join(f"{f.kind} {f.value}" for f in score.missing) or "none"
    invented = ", ".join(score.invented) or "none"
    return (
        f'<p class="note">{score.words} words · facts named {len(score.facts) - len(score.missing)}'
        f" of {len(score.facts)} · missing: {escape(missing)} · invented values: "
        f"{escape(invented)}</p>"
    )


def summary_html(view: ItemView, verdict: str | None = None) -> str:
    """The system's summary and next step, the reference's, and how the summary scored."""
    parts = [
        f"<p><b>Summary:</b> {escape(view.summary or NONE)}<br><b>Next step:</b> "
        f"{escape(view.next_step or NONE)}</p>",
        summary_score_html(view.summary_score),
    ]
    if verdict:
        parts.append(f"<p><b>Judge:</b> {escape(verdict)}</p>")
    if view.reference is not None:
        parts.append(reference_html(view.reference))
    return "".join(parts)


def reference_html(reference: Reference) -> str:
    """The hand-written reference summary and next step."""
    return (
        f"<p><b>Reference:</b> {escape(reference.summary)}<br><b>Reference next step:</b> "
        f"{escape(reference.next_step)}</p>"
    )


def item_html(view: ItemView, verdict: str | None = None) -> str:
    """One collapsible item, tagged with its wrong fields for the filter."""
    tags = " ".join(view.wrong)
    wrong = ", ".join(view.wrong) or "nothing"
    error = f"<p><b>No output:</b> {escape(view.error)}</p>" if view.error else ""
    return (
        f'<details class="item" data-tags="{escape(tags)}"><summary>{escape(view.item_id)} · '
        f"{escape(view.origin)} · wrong: {escape(wrong)}</summary>{error}"
        f"{fields_html(view)}{decision_html(view)}{summary_html(view, verdict)}"
        f"<h4>Transcript</h4>{transcript_html(view)}</details>"
    )


def items_section(views: Sequence[ItemView], verdicts: dict[str, str] | None = None) -> str:
    """The wrong items of a run, filterable by the field they got wrong."""
    counts = wrong_counts(views)
    body = "".join(item_html(view, (verdicts or {}).get(view.item_id)) for view in views)
    return (
        f'<h2 id="items">Wrong items ({len(views)})</h2><p class="note">Each item a field or '
        "the decision got wrong; pick a field to see only the items that got it wrong. Open an "
        "item for its transcript (turns numbered as the evidence cites them).</p>"
        f"{filter_box('Wrong field:', counts, len(views))}{body}"
    )

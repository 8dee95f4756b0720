"""Items in the report: each wrong item whole, and the HTML that lets a reader filter them."""

from __future__ import annotations

import re
from dataclasses import replace

from callhandoff.evals.compare import compare_runs
from callhandoff.evals.html_compare import render_compare_html
from callhandoff.evals.html_report import render_html
from callhandoff.evals.item_views import item_view, item_views, wrong_counts
from callhandoff.evals.records import ItemRun
from callhandoff.evals.references import Reference
from callhandoff.schema import DecisionKind, Intent, Reason, Urgency

from .fakes import gold_item, handoff, item_run, result
from .test_compare import run_a, run_b
from .test_report import record

ITEM = gold_item("v1", order_id="403-1234567-8901234", decision=DecisionKind.REVIEW)


def wrong_run() -> ItemRun:
    """The policy created a record for a refund call read as a cancellation."""
    output = handoff("call-v1", intent=Intent.CANCEL_ORDER, order_id="403-1234567-8901234")
    output = output.model_copy(update={"summary": "Caller cancels order 403-1234567-8901234."})
    call = result(ITEM, output, DecisionKind.CREATE)
    assert call.decision is not None
    reasons = [Reason(code="create_handoff", message="Matched; enough context.")]
    decision = call.decision.model_copy(update={"reasons": reasons})
    return replace(item_run(ITEM, output), result=call.model_copy(update={"decision": decision}))


def test_a_wrong_item_shows_gold_against_predicted_with_evidence_and_reasons() -> None:
    view = item_view(wrong_run(), reference=Reference(id="v1", summary="Refund.", next_step="Pay."))
    assert view.wrong == ["intent", "urgency", "decision"]  # gold urgency normal, none predicted
    intent = next(f for f in view.fields if f.field == "intent")
    assert (intent.gold, intent.predicted, intent.right) == ("refund", "cancel_order", False)
    assert intent.evidence == ["turn 1: “money back”"]
    assert view.reasons == ["create_handoff: Matched; enough context."]
    assert view.transcript[1].text.startswith("Hi, this is about order")
    assert view.summary_score is not None and [f.kind for f in view.summary_score.missing] == [
        "intent"
    ]


def test_only_items_with_something_wrong_are_listed_and_counted_per_field() -> None:
    views = item_views(run_a())
    assert [(v.item_id, v.wrong) for v in views] == [
        ("x1", ["urgency"]), ("x2", ["intent", "urgency"]), ("x3", ["urgency"]),
    ]  # fmt: skip
    assert wrong_counts(views) == {"urgency": 3, "intent": 1}
    output = handoff("c", intent=Intent.REFUND, order_id="403-1234567-8901234",
                     urgency=Urgency.NORMAL)  # fmt: skip
    right = item_run(ITEM, output, decision=DecisionKind.REVIEW)
    assert item_views([right]) == []


def test_the_report_lists_wrong_items_with_a_filter_and_no_network_assets() -> None:
    html = render_html(record(), items=item_views([wrong_run()]))
    assert '<select id="item-filter">' in html
    assert '<option value="intent">intent (1)</option>' in html
    assert '<details class="item" data-tags="intent urgency decision">' in html
    assert "create_handoff: Matched; enough context." in html
    assert "turn 1: “money back”" in html
    assert re.findall(r"(?:src|href)=", html) == []
    assert "<script>" in html and "http" not in html.split("<script>")[1]


def test_the_html_comparison_has_the_verdict_the_config_and_each_changed_item() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    html = render_compare_html(comparison, run_a(), run_b())
    assert comparison.verdict.line.split(" - ")[0] in html
    assert '<option value="right_to_wrong">right_to_wrong (2)</option>' in html
    assert 'data-tags="decision intent right_to_wrong"' in html
    assert re.findall(r"(?:src|href)=", html) == []


def test_a_card_number_read_out_on_the_call_is_masked_in_the_report_and_for_the_judge() -> None:
    from callhandoff.evals.judge import judge_case

    said = "Can I just give you the card? It's four five three two, zero one five one, one two " \
           "eight three, zero three six six, expiry zero eight twenty-seven."  # fmt: skip
    item = gold_item("v2", text=said)
    output = handoff("call-v2", intent=Intent.REFUND).model_copy(
        update={"summary": f"Caller said: “{said}”"}
    )
    view = item_view(item_run(item, output))
    shown = view.transcript[1].text + view.summary
    assert "four five three two" not in shown
    assert "[redacted card number ending 0366]" in view.transcript[1].text
    assert "[redacted card number ending 0366]" in view.summary
    case = judge_case(item, output.summary, "", None)
    assert "four five three two" not in case.transcript + case.summary

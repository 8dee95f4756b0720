"""Every run metric on a five-call example whose figures are worked out by hand below.

Gold (intent / order / flags / decision) -> predicted:

- i1: refund / 403-1234567-8901234 / damaged / review
      -> refund / 403 1234567 8901234 / damaged / review, plus a name quoting words never said
- i2: refund / A12345 / fraud, legal / review -> return_or_exchange / A12354 / fraud / create
- i3: return_or_exchange / - / - / create
      -> return_or_exchange / ORD-1 / safety / review, plus one value grounding dropped
- i4: order_status / B777 / - / skip -> nothing / - / - / skip
- i5: other / - / urgent_travel / skip -> other / - / - / no decision
"""

from __future__ import annotations

from typing import Any

import pytest

from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.metrics import metric_names, percentile, score_runs
from callhandoff.evals.records import ItemRun
from callhandoff.schema import (
    Caller,
    DecisionKind,
    DroppedValue,
    GroundingReport,
    Intent,
    RiskFlag,
)

from .fakes import ex, gold_item, handoff, item_run

R = RiskFlag
D = DecisionKind


def five_calls() -> list[ItemRun]:
    i1 = gold_item("i1", order_id="403-1234567-8901234", risk_flags=[R.DAMAGED_ITEM],
                   decision=D.REVIEW)  # fmt: skip
    i2 = gold_item("i2", order_id="A12345", decision=D.REVIEW,
                   risk_flags=[R.FRAUD_CONCERN, R.LEGAL_OR_CHARGEBACK_THREAT])  # fmt: skip
    i3 = gold_item("i3", intent=Intent.RETURN_OR_EXCHANGE, decision=D.CREATE)
    i4 = gold_item("i4", intent=Intent.ORDER_STATUS, order_id="B777", decision=D.SKIP)
    i5 = gold_item("i5", intent=Intent.OTHER, risk_flags=[R.URGENT_TRAVEL], decision=D.SKIP)

    h1 = handoff("call-i1", intent=Intent.REFUND, order_id="403 1234567 8901234",
                 order_quote="403-1234567-8901234", flags=[R.DAMAGED_ITEM])  # fmt: skip
    h1 = h1.model_copy(update={"caller": Caller(name=ex("Jane", "my name is Jane"))})
    h2 = handoff("call-i2", intent=Intent.RETURN_OR_EXCHANGE, order_id="A12354",
                 order_quote="A12345", flags=[R.FRAUD_CONCERN])  # fmt: skip
    h3 = handoff("call-i3", intent=Intent.RETURN_OR_EXCHANGE, order_id="ORD-1",
                 flags=[R.SAFETY_HAZARD])  # fmt: skip
    dropped = DroppedValue(field="caller.email", value="x@y.z", reason="quote not found")
    h3 = h3.model_copy(update={"grounding": GroundingReport(checked=4, dropped=[dropped])})
    h4 = handoff("call-i4")
    h5 = handoff("call-i5", intent=Intent.OTHER)
    usage: list[dict[str, Any]] = [
        {"latency_ms": ms, "prompt_tokens": 100, "completion_tokens": 20, "cost_usd": 0.001}
        for ms in (10.0, 20.0, 30.0, 40.0, 1000.0)
    ]
    return [
        item_run(i1, h1, decision=D.REVIEW, position=0, **usage[0]),
        item_run(i2, h2, decision=D.CREATE, position=1, **usage[1]),
        item_run(i3, h3, decision=D.REVIEW, position=2, **usage[2]),
        item_run(i4, h4, decision=D.SKIP, position=3, **usage[3]),
        item_run(i5, h5, decision=None, position=4, **usage[4]),
    ]


@pytest.fixture
def metrics() -> RunMetrics:
    return score_runs(five_calls())[1]


def test_intent_accuracy_macro_f1_and_confusion(metrics: RunMetrics) -> None:
    # 3 of 5 right. Per intent F1: refund 2/3, return_or_exchange 2/3, order_status 0, other 1.
    assert metrics.intent.accuracy == pytest.approx(3 / 5)
    assert metrics.intent.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0 + 1) / 4)
    assert metrics.intent.confusion == {
        "refund": {"refund": 1, "return_or_exchange": 1},
        "return_or_exchange": {"return_or_exchange": 1},
        "order_status": {"none": 1},
        "other": {"other": 1},
    }


def test_id_field_exact_match_precision_recall_f1(metrics: RunMetrics) -> None:
    # i1 right (after normalisation), i2 wrong (fp+fn), i3 invented (fp), i4 missed (fn),
    # i5 rightly empty. tp=1 fp=2 fn=2.
    order = metrics.fields["order_id"]
    assert (order.tp, order.fp, order.fn) == (1, 2, 2)
    assert (order.support, order.predicted) == (3, 3)
    assert order.exact_match == pytest.approx(2 / 5)
    assert order.precision == pytest.approx(1 / 3)
    assert order.recall == pytest.approx(1 / 3)
    assert order.f1 == pytest.approx(1 / 3)


def test_a_field_nobody_said_or_predicted_has_no_precision_recall_or_f1(
    metrics: RunMetrics,
) -> None:
    booking = metrics.fields["booking_id"]
    assert booking.exact_match == 1.0
    assert (booking.precision, booking.recall, booking.f1) == (None, None, None)


def test_risk_flags_micro_and_macro(metrics: RunMetrics) -> None:
    # tp: damaged, fraud = 2; fp: safety = 1; fn: legal, urgent_travel = 2.
    micro = metrics.risk_flags.micro
    assert (micro.tp, micro.fp, micro.fn) == (2, 1, 2)
    assert micro.precision == pytest.approx(2 / 3)
    assert micro.recall == pytest.approx(2 / 4)
    assert micro.f1 == pytest.approx(4 / 7)
    # labels seen: damaged 1, fraud 1, legal 0, safety 0, urgent_travel 0 -> 2/5
    assert metrics.risk_flags.macro_f1 == pytest.approx(2 / 5)
    by_label = {row.label: row for row in metrics.risk_flags.per_label}
    assert by_label["no_show_risk"].f1 is None


def test_decision_accuracy_and_cost_weighted_error(metrics: RunMetrics) -> None:
    # i1 review=review 0; i2 gold review -> create on a refund call: 5 x money factor 2 = 10;
    # i3 gold create -> review 0.5; i4 skip=skip 0; i5 gold skip -> no decision 0.5.
    decision = metrics.decision
    assert decision.accuracy == pytest.approx(2 / 5)
    assert decision.cost_error == pytest.approx((0 + 10 + 0.5 + 0 + 0.5) / 5)
    assert decision.decided == 4
    assert decision.confusion["review"] == {"review": 1, "create": 1}


def test_a_wrong_automatic_action_costs_more_than_an_unneeded_review() -> None:
    costs = DecisionCosts()
    assert costs.cost("review", "create", ["refund"]) > costs.cost("create", "review", ["refund"])
    assert costs.cost("review", "create", ["refund"]) == 10.0
    assert costs.cost("review", "create", ["order_status"]) == 5.0


def test_no_decisions_at_all_means_decision_metrics_are_not_measured() -> None:
    runs = [
        item_run(gold_item("a", decision=D.REVIEW), handoff("call-a", intent=Intent.REFUND)),
    ]
    metrics = score_runs(runs)[1]
    assert metrics.decision.accuracy is None
    assert metrics.decision.cost_error is None
    assert metrics.flat()["decision.accuracy"] is None


def test_grounding_violations_count_drops_and_unsupported_quotes(metrics: RunMetrics) -> None:
    # i1: the name's quote is not in the call; i3: one value dropped by grounding.
    # values checked: i1 4 (intent, order, flag, name), i2 3, i3 3 kept + 1 dropped, i4 0, i5 1.
    grounding = metrics.grounding
    assert grounding.violations == 2
    assert grounding.values_checked == 12
    assert grounding.violations_per_item == pytest.approx(2 / 5)
    assert grounding.violation_rate == pytest.approx(2 / 12)
    assert grounding.items_with_violations == 2
    assert {(v.item_id, v.field) for v in grounding.examples} == {
        ("i1", "caller.name"),
        ("i3", "caller.email"),
    }


def test_ece_per_field(metrics: RunMetrics) -> None:
    # intent predicted at 0.9 four times, right three times: |0.75 - 0.9| = 0.15
    assert metrics.fields["intent"].ece == pytest.approx(0.15)


def test_tokens_cost_and_latency_per_item(metrics: RunMetrics) -> None:
    usage = metrics.usage
    assert usage.tokens_per_item == 120
    assert usage.cost_usd_total == pytest.approx(0.005)
    assert usage.cost_usd_per_item == pytest.approx(0.001)
    assert usage.latency_mean_ms == pytest.approx(220.0)
    assert usage.latency_p50_ms == 30.0
    assert usage.latency_p95_ms == 1000.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0


def test_repeats_report_agreement_and_quality_comes_from_the_first_repeat() -> None:
    a, b = gold_item("a"), gold_item("b")
    runs = [
        item_run(a, handoff("call-a", intent=Intent.REFUND, order_id="A1"), repeat=0),
        item_run(b, handoff("call-b", intent=Intent.REFUND), repeat=0, position=1),
        item_run(a, handoff("call-a", intent=Intent.REFUND, order_id="A1"), repeat=1),
        item_run(b, handoff("call-b", intent=Intent.CANCEL_ORDER), repeat=1, position=1),
    ]
    metrics = score_runs(runs)[1]
    assert metrics.items == 2
    assert metrics.repeats == 2
    assert metrics.intent.accuracy == 1.0
    assert metrics.agreement is not None
    assert metrics.agreement.per_field["intent"] == 0.5
    assert metrics.agreement.per_field["order_id"] == 1.0
    assert metrics.agreement.all_fields == 0.5
    assert metrics.fields["intent"].agreement == 0.5


def test_flat_names_are_stable_and_cover_every_field() -> None:
    names = metric_names()
    assert "intent.accuracy" in names
    assert "decision.cost_error" in names
    assert "field.caller_phone.f1" in names
    assert "risk_flags.safety_hazard.f1" in names
    assert "agreement.intent" in names

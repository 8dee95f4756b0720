"""Comparing two synthetic runs whose flips are known in advance."""

from __future__ import annotations

import pytest

from callhandoff.evals.compare import compare_runs, lower_is_better
from callhandoff.evals.records import ItemRun
from callhandoff.schema import DecisionKind, Intent

from .fakes import gold_item, handoff, item_run

X1 = gold_item("x1", order_id="A1", decision=DecisionKind.REVIEW)
X2 = gold_item("x2")
X3 = gold_item("x3", intent=Intent.OTHER, order_id="B2")
X4 = gold_item("x4")


def run_a() -> list[ItemRun]:
    return [
        item_run(
            X1, handoff("c1", intent=Intent.REFUND, order_id="A1"), decision=DecisionKind.REVIEW
        ),
        item_run(X2, handoff("c2", intent=Intent.CANCEL_ORDER), position=1),
        item_run(X3, handoff("c3", intent=Intent.OTHER, order_id="B2"), position=2),
    ]


def run_b() -> list[ItemRun]:
    return [
        item_run(
            X1,
            handoff("c1", intent=Intent.CANCEL_ORDER, order_id="A1"),
            decision=DecisionKind.CREATE,
        ),
        item_run(X2, handoff("c2", intent=Intent.REFUND), position=1),
        item_run(X3, handoff("c3", intent=Intent.OTHER), position=2),
        item_run(X4, handoff("c4", intent=Intent.REFUND), position=3),
    ]


def test_flips_are_listed_in_both_directions_with_both_outputs() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    right_to_wrong = {(f.item_id, f.field) for f in comparison.flipped("right_to_wrong")}
    wrong_to_right = {(f.item_id, f.field) for f in comparison.flipped("wrong_to_right")}
    assert right_to_wrong == {("x1", "intent"), ("x1", "decision"), ("x3", "order_id")}
    assert wrong_to_right == {("x2", "intent")}
    x1_intent = next(f for f in comparison.flips if (f.item_id, f.field) == ("x1", "intent"))
    assert (x1_intent.gold, x1_intent.a, x1_intent.b) == ("refund", "refund", "cancel_order")
    x3_order = next(f for f in comparison.flips if f.field == "order_id")
    assert (x3_order.gold, x3_order.a, x3_order.b) == ("B2", "B2", "—")


def test_deltas_are_b_minus_a() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    deltas = {d.metric: d for d in comparison.deltas}
    # intent: A right on x1, x3; B right on x2, x3 -> 2/3 both
    assert deltas["intent.accuracy"].delta == pytest.approx(0.0)
    assert deltas["intent.accuracy"].improved is None
    # order_id F1: A tp=2 -> 1.0; B tp=1 fn=1 -> 2/3
    assert deltas["field.order_id.f1"].a == pytest.approx(1.0)
    assert deltas["field.order_id.f1"].b == pytest.approx(2 / 3)
    assert deltas["field.order_id.f1"].improved is False


def test_items_in_only_one_run_are_reported_not_compared() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    assert comparison.items_compared == 3
    assert comparison.only_in_b == ["x4"]
    assert comparison.only_in_a == []


def test_error_metrics_improve_downwards() -> None:
    assert lower_is_better("decision.cost_error")
    assert lower_is_better("latency.p95_ms")
    assert lower_is_better("field.intent.ece")
    assert not lower_is_better("intent.accuracy")

"""Comparing runs whose changes, costs and verdict are known in advance."""

from __future__ import annotations

import pytest

from callhandoff.evals.compare import compare_runs, lower_is_better
from callhandoff.evals.records import ItemRun
from callhandoff.schema import DecisionKind, Intent

from .fakes import gold_item, handoff, item_run

D = DecisionKind
X1 = gold_item("x1", order_id="A1", decision=D.REVIEW)
X2 = gold_item("x2")
X3 = gold_item("x3", intent=Intent.OTHER, order_id="B2")
X4 = gold_item("x4")
X5 = gold_item("x5", intent=Intent.REFUND, decision=D.REVIEW)


def run_a() -> list[ItemRun]:
    return [
        item_run(X1, handoff("c1", intent=Intent.REFUND, order_id="A1"), decision=D.REVIEW),
        item_run(X2, handoff("c2", intent=Intent.CANCEL_ORDER), position=1),
        item_run(X3, handoff("c3", intent=Intent.OTHER, order_id="B2"), position=2),
    ]


def run_b() -> list[ItemRun]:
    return [
        item_run(X1, handoff("c1", intent=Intent.CANCEL_ORDER, order_id="A1"), decision=D.CREATE),
        item_run(X2, handoff("c2", intent=Intent.REFUND), position=1),
        item_run(X3, handoff("c3", intent=Intent.OTHER), position=2),
        item_run(X4, handoff("c4", intent=Intent.REFUND), position=3),
    ]


def test_changes_are_listed_in_both_directions_with_both_outputs() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    right_to_wrong = {(c.item_id, c.field) for c in comparison.changed("right_to_wrong")}
    wrong_to_right = {(c.item_id, c.field) for c in comparison.changed("wrong_to_right")}
    assert right_to_wrong == {("x1", "intent"), ("x1", "decision"), ("x3", "order_id")}
    assert wrong_to_right == {("x2", "intent")}
    x1_intent = next(c for c in comparison.changes if (c.item_id, c.field) == ("x1", "intent"))
    assert (x1_intent.gold, x1_intent.a, x1_intent.b) == ("refund", "refund", "cancel_order")
    x3_order = next(c for c in comparison.changes if c.field == "order_id")
    assert (x3_order.gold, x3_order.a, x3_order.b) == ("B2", "B2", "—")


def test_a_wrong_decision_that_becomes_differently_wrong_is_listed_with_its_cost() -> None:
    # gold review on a refund call: A skips it (cost 3), B creates a record (5 x money factor 2)
    a = [item_run(X5, handoff("c5", intent=Intent.REFUND), decision=D.SKIP)]
    b = [item_run(X5, handoff("c5", intent=Intent.REFUND), decision=D.CREATE)]
    comparison = compare_runs("A", a, "B", b)
    [change] = comparison.changed("wrong_to_wrong")
    assert (change.item_id, change.field, change.gold, change.a, change.b) == (
        "x5", "decision", "review", "skip", "create",
    )  # fmt: skip
    assert (change.cost_a, change.cost_b, change.cost_delta) == (3.0, 10.0, 7.0)
    summary = {s.kind: s for s in comparison.change_summary}
    assert summary["wrong_to_wrong"].cost_delta == 7.0
    assert comparison.test("decision.cost_error").delta == pytest.approx(7.0)  # type: ignore[union-attr]


def test_deltas_are_b_minus_a() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    # intent: A right on x1, x3; B right on x2, x3 -> 2/3 both
    intent = comparison.test("intent.accuracy")
    assert intent is not None and intent.delta == pytest.approx(0.0)
    assert intent.outcome in ("unchanged", "noise")
    assert (intent.right_to_wrong, intent.wrong_to_right) == (1, 1)
    # order_id F1: A tp=2 -> 1.0; B tp=1 fn=1 -> 2/3
    order = comparison.test("field.order_id.f1")
    assert order is not None
    assert order.a == pytest.approx(1.0)
    assert order.b == pytest.approx(2 / 3)


def test_items_in_only_one_run_are_reported_not_compared() -> None:
    comparison = compare_runs("A", run_a(), "B", run_b())
    assert comparison.items_compared == 3
    assert comparison.only_in_b == ["x4"]
    assert comparison.only_in_a == []


def test_error_metrics_improve_downwards() -> None:
    assert lower_is_better("decision.cost_error")
    assert lower_is_better("latency.p95_ms")
    assert lower_is_better("field.intent.ece")
    assert lower_is_better("summary.invented_per_item")
    assert not lower_is_better("intent.accuracy")
    assert not lower_is_better("summary.facts_recall")

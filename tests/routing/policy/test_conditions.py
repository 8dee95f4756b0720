"""Policy conditions: a remembered outcome is the outcome the condition computes."""

from __future__ import annotations

from typing import Any

import pytest

from callhandoff.routing.policy.conditions import compile_condition

WHEN = {
    "vip": True,
    "intent": ["refund", "return_or_exchange"],
    "any": [{"order_value": {"gte": 500}}, {"risk_flags": {"any_in": ["fraud_concern"]}}],
}


@pytest.mark.parametrize(
    "facts",
    [
        {"vip": True, "intent": "refund", "order_value": 600, "risk_flags": []},
        {"vip": 1, "intent": "refund", "order_value": 600, "risk_flags": []},
        {"vip": True, "intent": "refund", "order_value": 600.0, "risk_flags": []},
        {"vip": True, "intent": "refund", "order_value": 20, "risk_flags": ["fraud_concern"]},
        {"vip": None, "intent": "other", "order_value": None, "risk_flags": None},
    ],
)
def test_a_remembered_outcome_reads_as_a_fresh_one(facts: dict[str, Any]) -> None:
    condition = compile_condition(WHEN, {}, "test")
    assert condition.facts == ("vip", "intent", "order_value", "risk_flags")
    holds, tests = condition.evaluate(facts)
    assert condition.check(facts) == (holds, tuple(tests))  # computed
    assert condition.check(facts) == (holds, tuple(tests))  # remembered


def test_true_and_one_are_remembered_apart() -> None:
    condition = compile_condition({"vip": True}, {}, "test")
    assert condition.check({"vip": True}) == (True, ("vip = true, is true: yes",))
    assert condition.check({"vip": 1}) == (True, ("vip = 1, is true: yes",))
    assert condition.check({"vip": "1"}) == (False, ("vip = 1, is true: no",))
    assert condition.check({"vip": None}) == (False, ("vip = none, is true: no",))
    assert condition.check({"vip": True})[1] == ("vip = true, is true: yes",)

"""Policy conditions: a remembered outcome is the outcome the condition computes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callhandoff.routing.policy.conditions import FACTS, compile_condition
from callhandoff.routing.policy.file import load_policy

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


_NUMBERS = st.one_of(st.none(), st.integers(-2, 600), st.floats(0, 1))
_OTHERS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["refund", "cloudcart", "escalation", "gold", "address", "order_id"]),
    st.lists(st.sampled_from(["fraud_concern", "email", "refund", "money", "product_interest"])),
)
_NUMERIC = {
    "intent_confidence",
    "match_confidence",
    "order_value",
    "deadline_in_days",
    "context_score",
    "version",
}


def _facts() -> st.SearchStrategy[dict[str, Any]]:
    """Facts of the types `compute_facts` gives: numbers where the policy compares."""
    return st.fixed_dictionaries(
        {},
        optional={name: _NUMBERS if name in _NUMERIC else _OTHERS for name in sorted(FACTS)},
    )


@settings(max_examples=300, deadline=None)
@given(_facts())
def test_deciding_without_the_trace_agrees_with_the_traced_evaluation(
    facts: dict[str, Any],
) -> None:
    """`holds` (what routing asks) and `evaluate` (what explain shows) never disagree."""
    policy = load_policy()
    nested = compile_condition(
        {"not": {"vip": True}, "all": [{"intent": "refund"}, {"order_value": {"lt": 20}}]},
        {},
        "test",
    )
    conditions = {"nested": nested, "WHEN": compile_condition(WHEN, {}, "test")}
    conditions |= {rule.id: policy.compiled[rule.id] for rule in policy.active_rules()}
    for name, condition in conditions.items():
        assert condition.holds(facts) == condition.evaluate(facts)[0], name

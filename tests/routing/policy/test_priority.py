"""Routing priority: computed once, from the routing facts, with the policy's thresholds."""

from __future__ import annotations

from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.policy.priority import compute_priority
from callhandoff.schema.enums import Urgency
from tests.routing.helpers import base_facts

THRESHOLDS = load_policy().thresholds


def test_the_high_order_value_is_the_policys_not_a_constant() -> None:
    assert THRESHOLDS["high_order_value"] == 500
    below = compute_priority(base_facts(order_value=300.0), THRESHOLDS)
    above = compute_priority(base_facts(order_value=600.0), THRESHOLDS)
    assert "order_value>=500" not in below.factors
    assert "order_value>=500" in above.factors and above.score == below.score + 10
    cheaper = compute_priority(
        base_facts(order_value=300.0), {**THRESHOLDS, "high_order_value": 200}
    )
    assert "order_value>=200" in cheaper.factors


def test_vip_tier_repeat_trouble_deadline_and_serious_risks_raise_it() -> None:
    plain = compute_priority(base_facts(), THRESHOLDS)
    loaded = compute_priority(
        base_facts(
            vip=True,
            loyalty_tier="gold",
            repeat_complaint=True,
            deadline_in_days=1,
            risk_flags=["legal_or_chargeback_threat"],
        ),
        THRESHOLDS,
    )
    assert plain.level is Urgency.NORMAL and plain.score == 30
    assert loaded.score == 30 + 15 + 10 + 10 + 15 + 10
    assert loaded.level is Urgency.CRITICAL
    assert loaded.factors == [
        "urgency:normal",
        "vip",
        "loyalty:gold",
        "repeat_complaint",
        "deadline_in_1d",
        "risk:legal_or_chargeback_threat",
    ]


def test_the_level_never_falls_below_the_calls_own_urgency() -> None:
    critical = compute_priority(base_facts(urgency="critical"), THRESHOLDS)
    assert critical.level is Urgency.CRITICAL
    distant = compute_priority(base_facts(deadline_in_days=9), THRESHOLDS)
    assert not any(f.startswith("deadline") for f in distant.factors)

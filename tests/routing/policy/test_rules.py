"""Every default rule in both directions: the facts that fire it, and the near miss that doesn't."""

from __future__ import annotations

from typing import Any

import pytest

from callhandoff.routing.policy.engine import Verdict, decide
from callhandoff.routing.policy.file import Policy, load_policy
from callhandoff.schema.enums import DecisionKind
from tests.routing.helpers import base_facts

REVIEW, SKIP, UPDATE, CREATE = (
    DecisionKind.REVIEW,
    DecisionKind.SKIP,
    DecisionKind.UPDATE,
    DecisionKind.CREATE,
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def fired(verdict: Verdict) -> set[str]:
    return {o.rule_id for o in verdict.trace if o.fired and o.suppressed_by is None}


def test_the_baseline_call_is_created_by_the_create_rule_alone(policy: Policy) -> None:
    verdict = decide(policy, base_facts())
    assert verdict.kind is CREATE
    assert fired(verdict) == {"create_handoff"}
    assert [r.code for r in verdict.reasons] == ["create_handoff"]


# (rule id, facts that fire it, expected decision, facts that narrowly do not fire it)
CASES: list[tuple[str, dict[str, Any], DecisionKind, dict[str, Any]]] = [
    (
        "review_extraction_fallback",
        {"fallback": True, "fallback_reason": "timeout"},
        REVIEW,
        {"fallback": False},
    ),
    ("review_prompt_injection", {"prompt_injection": True}, REVIEW, {"prompt_injection": False}),
    (
        "review_sensitive_data",
        {"risk_flags": ["sensitive_data_shared"]},
        REVIEW,
        {"risk_flags": ["damaged_item"]},
    ),
    (
        "review_fraud_or_legal",
        {"risk_flags": ["legal_or_chargeback_threat"]},
        REVIEW,
        {"risk_flags": ["urgent_travel"]},
    ),
    (
        "review_safety_hazard",
        {"risk_flags": ["safety_hazard"]},
        REVIEW,
        {"risk_flags": ["no_show_risk"]},
    ),
    (
        "review_changed_after_delivery",
        {"changed_after_delivery": True, "transcript_changed": True},
        REVIEW,
        {"changed_after_delivery": False},
    ),
    (
        "skip_noise",
        {
            "intent": "other",
            "intents": ["other"],
            "matched": False,
            "mentions_record": True,
            "has_record": False,
        },
        SKIP,
        {"field_changes": ["consent"], "change_groups": ["other"]},
    ),
    ("review_escalation", {"workflow": "escalation"}, REVIEW, {"workflow": "follow_up"}),
    ("review_unclear_intent", {"intent": None, "intents": []}, REVIEW, {"intent": "complaint"}),
    (
        "review_unmatched_caller",
        {"matched": False, "match_confidence": 0.0},
        REVIEW,
        {"matched": True},
    ),
    ("review_low_match_confidence", {"match_confidence": 0.74}, REVIEW, {"match_confidence": 0.75}),
    (
        "review_identity_disagreement",
        {"disagreements": ["email"]},
        REVIEW,
        {"disagreements": ["product"]},
    ),
    (
        "review_order_not_callers",
        {"findings": ["order_not_callers"]},
        REVIEW,
        {"findings": ["order_id_digits_only"]},
    ),
    (
        "review_record_not_found",
        {"findings": ["sku_unknown"]},
        REVIEW,
        {"findings": ["sku_not_in_order"]},
    ),
    (
        "review_low_field_confidence",
        {"low_confidence_fields": ["records.order_id"]},
        REVIEW,
        {"low_confidence_fields": []},
    ),
    (
        "review_sensitive_request",
        {"intent": "account", "intents": ["account"]},
        REVIEW,
        {"field_changes": ["contact_channel"], "change_groups": ["other"]},
    ),
    (
        "review_sensitive_request",
        {
            "intent": "account",
            "intents": ["account"],
            "field_changes": ["email"],
            "change_groups": ["access"],
        },
        REVIEW,
        {"field_changes": ["display_name"], "change_groups": ["other"]},
    ),
    ("review_high_value_customer", {"order_value": 500.0}, REVIEW, {"order_value": 499.99}),
    ("review_high_value_customer", {"vip": True}, REVIEW, {"vip": False}),
    (
        "review_money_change",
        {"intent": "refund", "intents": ["refund"]},
        REVIEW,
        {"intent": "delivery_issue", "intents": ["delivery_issue"]},
    ),
    (
        "review_money_change",
        {"field_changes": ["quantity"], "change_groups": ["money"]},
        REVIEW,
        {"field_changes": ["preferred_time"], "change_groups": ["other"]},
    ),
    (
        "review_commitment_change",
        {"field_changes": ["shipping_address"], "change_groups": ["commitment"]},
        REVIEW,
        {"field_changes": ["preferred_time"], "change_groups": ["other"]},
    ),
    (
        "review_commitment_change",
        {
            "intent": "return_or_exchange",
            "intents": ["return_or_exchange"],
            "refund_expectation": "exchange",
        },
        REVIEW,
        {"refund_expectation": "replacement"},
    ),
    (
        "review_return_window",
        {"intents": ["refund"], "findings": ["return_window_closed"]},
        REVIEW,
        {"intents": ["refund"], "findings": ["return_window_open"]},
    ),
    (
        "update_record_change",
        {"field_changes": ["preferred_time"], "change_groups": ["other"]},
        UPDATE,
        {"field_changes": []},
    ),
    ("create_handoff", {}, CREATE, {"has_destination_object": False}),
    ("create_handoff", {"context_score": 2}, CREATE, {"context_score": 1}),
]


@pytest.mark.parametrize(
    ("rule", "fire", "decision", "miss"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fires_and_narrowly_does_not(
    policy: Policy,
    rule: str,
    fire: dict[str, Any],
    decision: DecisionKind,
    miss: dict[str, Any],
) -> None:
    hit = decide(policy, base_facts(**fire))
    assert rule in fired(hit)
    assert hit.kind is decision
    if decision is not CREATE:
        assert rule in {r.code for r in hit.reasons}
    near = decide(policy, base_facts(**{**fire, **miss}))
    assert rule not in fired(near)


def test_nothing_clear_to_do_falls_back_to_review_never_to_silence(policy: Policy) -> None:
    verdict = decide(policy, base_facts(has_destination_object=False))
    assert verdict.kind is REVIEW
    assert verdict.by_default
    assert [r.code for r in verdict.reasons] == ["no_clear_action"]


def test_review_outranks_skip_when_noise_carries_an_injection(policy: Policy) -> None:
    facts = base_facts(
        intent="other",
        intents=["other"],
        matched=False,
        mentions_record=False,
        prompt_injection=True,
    )
    verdict = decide(policy, facts)
    assert verdict.kind is REVIEW
    assert {"skip_noise", "review_prompt_injection"} <= fired(verdict)


def test_review_keeps_the_decision_it_would_have_been(policy: Policy) -> None:
    verdict = decide(policy, base_facts(vip=True))
    assert verdict.kind is REVIEW
    assert verdict.proposed is CREATE


def test_notes_annotate_without_deciding(policy: Policy) -> None:
    changed = decide(policy, base_facts(transcript_changed=True, version=2))
    dropped = decide(policy, base_facts(dropped_identifiers=["caller.phone"]))
    assert changed.kind is CREATE and dropped.kind is CREATE
    assert [r.code for r in changed.reasons] == ["create_handoff", "transcript_changed"]
    assert "version 2" in changed.reasons[1].message
    assert "caller.phone" in dropped.reasons[1].message


def test_every_reason_is_one_human_sentence_with_the_numbers(policy: Policy) -> None:
    verdict = decide(policy, base_facts(match_confidence=0.62, match_method="fuzzy_name"))
    (reason,) = verdict.reasons
    assert reason.code == "review_low_match_confidence"
    assert reason.message == ("The match (fuzzy_name) has confidence 0.62, below 0.75.")


def test_trace_shows_each_test_with_the_value_it_saw(policy: Policy) -> None:
    verdict = decide(policy, base_facts(match_confidence=0.62))
    outcome = next(o for o in verdict.trace if o.rule_id == "review_low_match_confidence")
    assert "match_confidence = 0.62, < 0.75: yes" in outcome.tests

"""The policy file: users change thresholds, add, replace and disable rules without code."""

from __future__ import annotations

from pathlib import Path

import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.routing.policy.engine import decide
from callhandoff.routing.policy.file import load_policy, policy_from_document
from callhandoff.schema.enums import DecisionKind
from tests.routing.helpers import base_facts


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_policy_has_every_seed_rule() -> None:
    ids = {rule.id for rule in load_policy().active_rules()}
    assert {
        "skip_noise",
        "review_unmatched_caller",
        "review_low_match_confidence",
        "review_low_field_confidence",
        "review_sensitive_request",
        "review_high_value_customer",
        "review_money_change",
        "review_commitment_change",
        "review_fraud_or_legal",
        "review_prompt_injection",
        "review_extraction_fallback",
        "review_sensitive_data",
        "update_record_change",
        "create_handoff",
    } <= ids


def test_raising_a_threshold_changes_the_decision(tmp_path: Path) -> None:
    facts = base_facts(match_confidence=0.85)
    assert decide(load_policy(), facts).kind is DecisionKind.CREATE
    strict = load_policy(_write(tmp_path, "thresholds:\n  match_confidence: 0.9\n"))
    assert decide(strict, facts).kind is DecisionKind.REVIEW
    assert strict.thresholds["high_order_value"] == 500
    assert strict.content_hash() != load_policy().content_hash()


def test_a_new_rule_needs_no_code(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            """
rules:
  - id: review_platinum
    decision: review
    message: "Platinum customers ({loyalty_tier}) get a personal call back."
    when: {loyalty_tier: [platinum]}
""",
        )
    )
    verdict = decide(policy, base_facts(loyalty_tier="platinum"))
    assert verdict.kind is DecisionKind.REVIEW
    assert verdict.reasons[0].message == "Platinum customers (platinum) get a personal call back."
    assert decide(policy, base_facts(loyalty_tier="gold")).kind is DecisionKind.CREATE


def test_disable_and_replace_rules_by_id(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            """
disable: [review_high_value_customer]
rules:
  - id: review_low_match_confidence
    decision: review
    message: "Too unsure."
    when: {match_confidence: {lt: 0.5}}
""",
        )
    )
    assert decide(policy, base_facts(vip=True)).kind is DecisionKind.CREATE
    assert decide(policy, base_facts(match_confidence=0.6)).kind is DecisionKind.CREATE
    assert decide(policy, base_facts(match_confidence=0.4)).reasons[0].message == "Too unsure."


EXCHANGE_IN_WINDOW = {
    "intent": "return_or_exchange",
    "intents": ["return_or_exchange"],
    "refund_expectation": "exchange",
    "findings": ["return_window_open"],
}


def test_an_allow_rule_explicitly_permits_a_change(tmp_path: Path) -> None:
    facts = base_facts(**EXCHANGE_IN_WINDOW)
    assert decide(load_policy(), facts).kind is DecisionKind.REVIEW
    policy = load_policy(
        _write(
            tmp_path,
            """
rules:
  - id: allow_exchanges
    decision: allow
    suppresses: [review_commitment_change]
    message: "Exchanges in the window follow the return flow."
    when:
      refund_expectation: exchange
      findings: {any_in: [return_window_open]}
""",
        )
    )
    verdict = decide(policy, facts)
    assert verdict.kind is DecisionKind.CREATE
    outcome = next(o for o in verdict.trace if o.rule_id == "review_commitment_change")
    assert outcome.fired and outcome.suppressed_by == "allow_exchanges"


def test_the_shipped_allow_rule_can_be_switched_on_by_id(tmp_path: Path) -> None:
    facts = base_facts(**EXCHANGE_IN_WINDOW)
    policy = load_policy(_write(tmp_path, "enable: [allow_exchange_in_window]\n"))
    assert decide(policy, facts).kind is DecisionKind.CREATE
    closed = base_facts(**{**EXCHANGE_IN_WINDOW, "findings": ["return_window_closed"]})
    assert decide(policy, closed).kind is DecisionKind.REVIEW


def test_a_standalone_policy_replaces_the_default(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            """
extends: none
default: {decision: skip, code: quiet, message: "Nothing to do."}
rules:
  - id: review_everything_refunded
    decision: review
    message: "Refunds are reviewed."
    when: {intents: {any_in: [refund]}}
""",
        )
    )
    assert [r.id for r in policy.rules] == ["review_everything_refunded"]
    assert decide(policy, base_facts(vip=True)).kind is DecisionKind.SKIP


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rules:\n  - id: r1\n    decision: review\n    message: m\n    when: {colour: red}\n",
            "policy.yaml:2: rule 'r1': unknown fact 'colour'",
        ),
        (
            "rules:\n  - id: r1\n    decision: review\n    message: m\n"
            "    when: {match_confidence: {below: 1}}\n",
            "policy.yaml:2: rule 'r1': fact 'match_confidence': unknown operator(s) below",
        ),
        (
            "rules:\n  - id: r1\n    decision: review\n    message: m\n"
            "    when: {match_confidence: {lt: $nope}}\n",
            "policy.yaml:2: rule 'r1': unknown threshold '$nope'",
        ),
        (
            "rules:\n  - id: r1\n    decision: maybe\n    message: m\n    when: {vip: true}\n",
            "policy.yaml:2: rule 'r1': decision",
        ),
        (
            "rules:\n  - id: r1\n    decision: allow\n    message: m\n    when: {vip: true}\n",
            "an allow rule must list the rules it 'suppresses'",
        ),
        ("disable: [no_such_rule]\n", "'disable' names unknown rule 'no_such_rule'"),
        ("thresholds: [1, 2\n", "policy.yaml:2: invalid YAML"),
        ("colour: red\n", "policy.yaml:1: unknown key(s) colour"),
    ],
)
def test_policy_mistakes_name_the_file_line_and_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_policy(_write(tmp_path, text))
    assert message in str(caught.value)


def test_a_missing_policy_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_the_documented_example_policy_loads(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "policy.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    policy = load_policy(_write(tmp_path, example))
    small_refund = base_facts(intent="refund", intents=["refund"], order_value=15.0)
    assert decide(policy, small_refund).kind is DecisionKind.CREATE
    assert decide(policy, base_facts(match_confidence=0.8)).kind is DecisionKind.REVIEW


def test_a_policy_kept_as_its_document_decides_as_the_file_did(tmp_path: Path) -> None:
    rule = (
        "thresholds: {match_confidence: 0.9}\n"
        "rules:\n  - id: watch_gold\n    decision: review\n"
        "    message: Gold tier {loyalty_tier}.\n    when: {loyalty_tier: gold}\n"
    )
    policy = load_policy(_write(tmp_path, rule))
    kept = policy_from_document(policy.document(), policy.source)
    assert kept.content_hash() == policy.content_hash()
    assert kept.source == policy.source
    for facts in (
        base_facts(loyalty_tier="gold"),
        base_facts(loyalty_tier="silver", match_confidence=0.8),
        base_facts(),
    ):
        assert decide(kept, facts) == decide(policy, facts)
        assert decide(kept, facts).trace == decide(policy, facts).trace
    assert load_policy() == load_policy()


def test_a_yaml_value_json_has_no_type_for_is_tested_as_the_store_keeps_it(
    tmp_path: Path,
) -> None:
    rule = (
        "rules:\n  - id: on_that_day\n    decision: review\n"
        "    message: That day.\n    when: {fallback_reason: 2025-03-01}\n"
    )
    policy = load_policy(_write(tmp_path, rule))
    kept = policy_from_document(policy.document(), policy.source)
    facts = base_facts(fallback_reason="2025-03-01")  # facts are JSON values
    assert decide(policy, facts).kind is DecisionKind.REVIEW
    assert decide(kept, facts).trace == decide(policy, facts).trace

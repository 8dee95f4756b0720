"""The deterministic policy: facts in, one of create / update / review / skip out, with reasons.

Every enabled rule is evaluated. `allow` rules that fire switch off the rules
they name; `note` rules only annotate. Among the deciding rules that fired, the
decision earliest in `precedence` (default review > skip > update > create)
wins, and every fired rule with that decision contributes one reason: a stable
machine code and one human sentence. When no deciding rule fires, the policy's
`default` applies (review: never silently drop an actionable call). Deciding asks
each condition only whether it holds; the full trace (each rule, whether it fired,
each test with the values it saw) is evaluated when the verdict's `trace` is first
read. The store keeps the facts and the policy rather than the trace: `callhandoff
explain` decides the stored facts again to say why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple

from callhandoff.routing.policy.file import DEFAULT_MESSAGE, Policy, Rule
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.routing import Reason


class RuleOutcome(NamedTuple):
    """One rule's evaluation, for the trace (a tuple: a call builds one per rule)."""

    rule_id: str
    decision: str
    fired: bool
    tests: Sequence[str]
    suppressed_by: str | None = None
    reason: Reason | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for `explain`; `suppressed_by` and `reason` only when there is one
        (readers take a missing key as none)."""
        shown: dict[str, Any] = {
            "rule": self.rule_id,
            "decision": self.decision,
            "fired": self.fired,
            "tests": list(self.tests),
        }
        if self.suppressed_by is not None:
            shown["suppressed_by"] = self.suppressed_by
        if self.reason is not None:
            shown["reason"] = self.reason.model_dump()
        return shown


@dataclass
class Verdict:
    """The decision, its reasons, and what would happen without the review rules.

    `fired` holds the outcomes of the rules that fired; `trace` adds every other rule
    of the policy with the tests it saw, evaluated when first asked for (routing
    stores the facts instead, and `explain` asks).
    """

    kind: DecisionKind
    reasons: list[Reason]
    fired: list[RuleOutcome] = field(default_factory=list)
    proposed: DecisionKind | None = None
    by_default: bool = False
    #: what `trace` is evaluated from (two verdicts compare equal whatever these are)
    policy: Policy | None = field(default=None, repr=False, compare=False)
    facts: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def trace(self) -> list[RuleOutcome]:
        """Every enabled rule's outcome in policy order: fired or not, with its tests."""
        if self.policy is None or self.facts is None:
            return list(self.fired)
        fired = {outcome.rule_id: outcome for outcome in self.fired}
        compiled, facts = self.policy.compiled, self.facts
        return [
            fired.get(rule.id)
            or RuleOutcome(rule.id, rule.decision, False, compiled[rule.id].check(facts)[1])
            for rule in self.policy.active_rules()
        ]


def _reason(rule: Rule, facts: dict[str, Any], policy: Policy) -> Reason:
    return Reason(code=rule.reason_code, message=policy.messages[rule.id].render(facts))


def decide(policy: Policy, facts: dict[str, Any]) -> Verdict:
    """Apply every rule of `policy` to `facts` and pick the decision by precedence."""
    fired_rules = [rule for rule in policy.active_rules() if policy.compiled[rule.id].holds(facts)]
    suppressed: dict[str, str] = {}
    for rule in fired_rules:
        if rule.decision == "allow":
            for target in rule.suppresses:
                suppressed.setdefault(target, rule.id)

    fired: list[RuleOutcome] = []
    by_kind: dict[DecisionKind, list[Reason]] = {}
    notes: list[Reason] = []
    for rule in fired_rules:
        blocked = suppressed.get(rule.id)
        reason = _reason(rule, facts, policy)
        if blocked is None:
            if rule.decision == "note":
                notes.append(reason)
            elif rule.decision != "allow":
                by_kind.setdefault(DecisionKind(rule.decision), []).append(reason)
        tests = policy.compiled[rule.id].check(facts)[1]
        fired.append(RuleOutcome(rule.id, rule.decision, True, tests, blocked, reason))

    kept = MappingProxyType(dict(facts))  # for `trace`, whatever the caller does with facts
    winner = next((kind for kind in policy.precedence if kind in by_kind), None)
    proposed = next(
        (k for k in policy.precedence if k in by_kind and k is not DecisionKind.REVIEW), None
    )
    if winner is None:
        default = policy.default
        reason = Reason(code=default.code, message=policy.messages[DEFAULT_MESSAGE].render(facts))
        return Verdict(
            default.decision, [reason, *notes], fired, proposed, True, policy=policy, facts=kept
        )
    return Verdict(winner, [*by_kind[winner], *notes], fired, proposed, policy=policy, facts=kept)

"""The deterministic policy: facts in, one of create / update / review / skip out, with reasons.

Every enabled rule is evaluated. `allow` rules that fire switch off the rules
they name; `note` rules only annotate. Among the deciding rules that fired, the
decision earliest in `precedence` (default review > skip > update > create)
wins, and every fired rule with that decision contributes one reason: a stable
machine code and one human sentence. When no deciding rule fires, the policy's
`default` applies (review: never silently drop an actionable call). The full
trace (each rule, whether it fired, each test with the values it saw) is kept
so `callhandoff explain` can say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callhandoff.routing.policy.file import DEFAULT_MESSAGE, Policy, Rule
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.routing import Reason


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's evaluation, for the trace."""

    rule_id: str
    decision: str
    fired: bool
    tests: list[str]
    suppressed_by: str | None = None
    reason: Reason | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the store."""
        return {
            "rule": self.rule_id,
            "decision": self.decision,
            "fired": self.fired,
            "tests": self.tests,
            "suppressed_by": self.suppressed_by,
            "reason": self.reason.model_dump() if self.reason else None,
        }


@dataclass
class Verdict:
    """The decision, its reasons, and what would happen without the review rules."""

    kind: DecisionKind
    reasons: list[Reason]
    trace: list[RuleOutcome] = field(default_factory=list)
    proposed: DecisionKind | None = None
    by_default: bool = False


def _reason(rule: Rule, facts: dict[str, Any], policy: Policy) -> Reason:
    return Reason(code=rule.reason_code, message=policy.messages[rule.id].render(facts))


def decide(policy: Policy, facts: dict[str, Any]) -> Verdict:
    """Apply every rule of `policy` to `facts` and pick the decision by precedence."""
    evaluated: list[tuple[Rule, bool, list[str]]] = []
    for rule in policy.active_rules():
        fired, tests = policy.compiled[rule.id].check(facts)
        evaluated.append((rule, fired, tests))
    suppressed: dict[str, str] = {}
    for rule, fired, _ in evaluated:
        if fired and rule.decision == "allow":
            for target in rule.suppresses:
                suppressed.setdefault(target, rule.id)

    trace: list[RuleOutcome] = []
    by_kind: dict[DecisionKind, list[Reason]] = {}
    notes: list[Reason] = []
    for rule, fired, tests in evaluated:
        blocked = suppressed.get(rule.id) if fired else None
        reason = _reason(rule, facts, policy) if fired else None
        if fired and blocked is None and reason is not None:
            if rule.decision == "note":
                notes.append(reason)
            elif rule.decision != "allow":
                by_kind.setdefault(DecisionKind(rule.decision), []).append(reason)
        trace.append(RuleOutcome(rule.id, rule.decision, fired, tests, blocked, reason))

    winner = next((kind for kind in policy.precedence if kind in by_kind), None)
    proposed = next(
        (k for k in policy.precedence if k in by_kind and k is not DecisionKind.REVIEW), None
    )
    if winner is None:
        default = policy.default
        reason = Reason(code=default.code, message=policy.messages[DEFAULT_MESSAGE].render(facts))
        return Verdict(default.decision, [reason, *notes], trace, proposed, by_default=True)
    return Verdict(winner, [*by_kind[winner], *notes], trace, proposed)

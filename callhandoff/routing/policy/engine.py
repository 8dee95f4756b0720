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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from callhandoff.routing.policy.file import DEFAULT_MESSAGE, Policy, Rule
from callhandoff.routing.policy.outcomes import RuleOutcome
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.routing import Reason


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
    evaluated: list[tuple[Rule, bool, Sequence[str]]] = []
    suppressed: dict[str, str] = {}
    for rule in policy.active_rules():
        fired, seen = policy.compiled[rule.id].check(facts)
        evaluated.append((rule, fired, seen))
        if fired and rule.decision == "allow":
            for target in rule.suppresses:
                suppressed.setdefault(target, rule.id)

    trace: list[RuleOutcome] = []
    by_kind: dict[DecisionKind, list[Reason]] = {}
    notes: list[Reason] = []
    for rule, fired, tests in evaluated:
        if not fired:
            trace.append(policy.unfired.outcome(rule.id, rule.decision, tests))
            continue
        blocked = suppressed.get(rule.id)
        reason = _reason(rule, facts, policy)
        if blocked is None:
            if rule.decision == "note":
                notes.append(reason)
            elif rule.decision != "allow":
                by_kind.setdefault(DecisionKind(rule.decision), []).append(reason)
        trace.append(RuleOutcome(rule.id, rule.decision, True, tests, blocked, reason))

    winner = next((kind for kind in policy.precedence if kind in by_kind), None)
    proposed = next(
        (k for k in policy.precedence if k in by_kind and k is not DecisionKind.REVIEW), None
    )
    if winner is None:
        default = policy.default
        reason = Reason(code=default.code, message=policy.messages[DEFAULT_MESSAGE].render(facts))
        return Verdict(default.decision, [reason, *notes], trace, proposed, by_default=True)
    return Verdict(winner, [*by_kind[winner], *notes], trace, proposed)

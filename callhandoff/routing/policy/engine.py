"""The deterministic policy: facts in, one of create / update / review / skip out, with reasons.

Every enabled rule is evaluated. `allow` rules that fire switch off the rules
they name; `note` rules only annotate. Among the deciding rules that fired, the
decision earliest in `precedence` (default review > skip > update > create)
wins, and every fired rule with that decision contributes one reason: a stable
machine code and one human sentence. When no deciding rule fires, the policy's
`default` applies (review: never silently drop an actionable call). The full
trace (each rule, whether it fired, each test with the values it saw) comes with
the verdict. The store keeps the facts and the policy rather than the trace:
`callhandoff explain` decides the stored facts again to say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
            trace.append(RuleOutcome(rule.id, rule.decision, False, tests))
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

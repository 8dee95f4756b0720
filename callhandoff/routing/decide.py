"""The routing decision for one call, as a pure function of the handoff, the match and the policy.

`decide_call` computes the facts, the priority (once, from those facts), the
policy verdict, the destination action and its idempotency key. It touches
no database: the router looks the records up before and persists the result
after, so the same inputs always give the same `Routed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callhandoff.routing.delivery.payloads import (
    NO_ACTION,
    REVIEW_ACTION,
    build_action,
    idempotency_key,
)
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.routing.policy.engine import Verdict, decide
from callhandoff.routing.policy.facts import History, compute_facts
from callhandoff.routing.policy.file import Policy
from callhandoff.routing.policy.priority import compute_priority
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.routing import Decision, DestinationAction, RecordMatch
from callhandoff.schema.transcript import Transcript


@dataclass(frozen=True)
class Routed:
    """What routing decided for one call: everything the store keeps and the result shows."""

    handoff: Handoff  # with its priority
    match: RecordMatch
    facts: dict[str, Any]
    verdict: Verdict
    action: DestinationAction
    old_values: dict[str, Any] | None
    decision: Decision
    trace: dict[str, Any]

    @property
    def sendable(self) -> bool:
        """True when the action goes to the outbox (not the review queue, not nothing)."""
        return self.action.action not in {REVIEW_ACTION, NO_ACTION}

    @property
    def to_review(self) -> bool:
        """True when the call goes to the review queue."""
        return self.action.action == REVIEW_ACTION


def decide_call(
    handoff: Handoff,
    transcript: Transcript,
    outcome: MatchOutcome,
    policy: Policy,
    *,
    history: History,
    reference: datetime,
    policy_version: str,
) -> Routed:
    """Facts → priority → verdict → action for one matched call."""
    facts = compute_facts(handoff, outcome, policy, history, reference)
    handoff = handoff.model_copy(update={"priority": compute_priority(facts, policy.thresholds)})
    verdict = decide(policy, facts)
    built = build_action(handoff, transcript, outcome, verdict, facts, policy)
    key = idempotency_key(handoff.call_id, built.action.action, history.version)
    decision = Decision(
        kind=verdict.kind,
        reasons=verdict.reasons,
        idempotency_key=key,
        policy_version=policy_version,
    )
    trace = {
        "rules": [rule.to_json() for rule in verdict.trace],
        "by_default": verdict.by_default,
        "proposed": verdict.proposed.value if verdict.proposed else None,
        "thresholds": policy.thresholds,
        "policy_source": policy.source,
        "old_values": built.old_values,
    }
    return Routed(
        handoff=handoff,
        match=outcome.match,
        facts=facts,
        verdict=verdict,
        action=built.action,
        old_values=built.old_values,
        decision=decision,
        trace=trace,
    )

"""The routing decision for one call, as a pure function of the handoff, the match and the policy.

`decide_call` computes the facts, the priority (once, from those facts), the
policy verdict, the destination action and its idempotency key. It touches
no database: the router looks the records up before and persists the result
after, so the same inputs always give the same `Routed`.

A reviewer's approval is the one way past the review rules: with `reviewer`
set, a review verdict becomes the decision the policy proposed without its
review rules (create / update), with the same payload code and key as if the
policy had decided it; a call the policy proposes nothing for stays in review.
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
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.routing import Decision, DestinationAction, Reason, RecordMatch
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
    #: what the trace says besides the rules: the store keeps these with the facts and the
    #: policy, and `explain` decides the stored facts again for the rules
    notes: dict[str, Any]

    @property
    def trace(self) -> dict[str, Any]:
        """Why: each rule (fired or not, its tests with the values they saw, its reason),
        what was proposed, the policy file, the values an update replaces."""
        return {"rules": [outcome.to_json() for outcome in self.verdict.trace], **self.notes}

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
    reviewer: str | None = None,
) -> Routed:
    """Facts → priority → verdict → action for one matched call (approved by `reviewer`)."""
    facts = compute_facts(handoff, outcome, policy, history, reference)
    handoff = handoff.model_copy(update={"priority": compute_priority(facts, policy.thresholds)})
    verdict = decide(policy, facts)
    overridden: list[Reason] = []
    if reviewer is not None:
        if verdict.kind is DecisionKind.REVIEW and verdict.proposed is not None:
            overridden = verdict.reasons
        verdict = approved_verdict(verdict, reviewer)
    built = build_action(handoff, transcript, outcome, verdict, facts, policy)
    key = idempotency_key(handoff.call_id, built.action.action, history.version)
    decision = Decision(
        kind=verdict.kind,
        reasons=verdict.reasons,
        idempotency_key=key,
        policy_version=policy_version,
    )
    notes = {
        "by_default": verdict.by_default,
        "proposed": verdict.proposed.value if verdict.proposed else None,
        "policy_source": policy.source,
        "old_values": built.old_values,
    }
    if reviewer is not None:
        notes["review"] = {"reviewer": reviewer, "overrode": [r.code for r in overridden]}
    return Routed(
        handoff=handoff,
        match=outcome.match,
        facts=facts,
        verdict=verdict,
        action=built.action,
        old_values=built.old_values,
        decision=decision,
        notes=notes,
    )


def approved_verdict(verdict: Verdict, reviewer: str) -> Verdict:
    """A review verdict as a reviewer's approval makes it: the decision proposed without
    the review rules, with that decision's reasons plus who approved it.

    Any other verdict (and a review with nothing proposed) is returned unchanged.
    """
    if verdict.kind is not DecisionKind.REVIEW or verdict.proposed is None:
        return verdict
    kind = verdict.proposed
    reasons = [
        outcome.reason
        for outcome in verdict.fired
        if outcome.suppressed_by is None
        and outcome.decision == kind.value
        and outcome.reason is not None
    ]
    overridden = ", ".join(reason.code for reason in verdict.reasons)
    reasons.append(
        Reason(
            code="reviewer_approved",
            message=f"{reviewer} reviewed the call and approved the {kind.value} "
            f"(review reasons: {overridden}).",
        )
    )
    return Verdict(
        kind,
        reasons,
        verdict.fired,
        verdict.proposed,
        verdict.by_default,
        policy=verdict.policy,
        facts=verdict.facts,
    )

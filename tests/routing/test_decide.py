"""decide_call: the routing decision as a pure function of the handoff, the match and the policy."""

from __future__ import annotations

from callhandoff.routing.decide import Routed, decide_call
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.routing.policy.facts import History
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.said import Said
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.routing import RecordMatch
from tests.routing.helpers import REFERENCE, make_call

POLICY = load_policy()


def _decide(version: int = 1) -> Routed:
    call = make_call("d-1", intent="refund", order_id="A-100102")
    outcome = MatchOutcome(match=RecordMatch(matched=False, confidence=0.0), said=Said())
    return decide_call(
        call.handoff,
        call.transcript,
        outcome,
        POLICY,
        history=History(version=version),
        reference=REFERENCE,
        policy_version=POLICY.content_hash(),
    )


def test_an_unmatched_refund_goes_to_review_with_a_priority_and_no_database() -> None:
    routed = _decide()
    assert routed.decision.kind is DecisionKind.REVIEW
    assert "review_unmatched_caller" in [r.code for r in routed.decision.reasons]
    assert routed.handoff.priority is not None
    assert routed.to_review and not routed.sendable
    assert routed.decision.idempotency_key == "d-1:review_queue"


def test_the_same_inputs_always_give_the_same_decision() -> None:
    assert _decide() == _decide()
    assert _decide(version=2).decision.idempotency_key == "d-1:review_queue:v2"

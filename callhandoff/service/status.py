"""What `GET /v1/calls/{call_id}` answers: where the call is, and what was decided and sent.

Status, in order of a call's life:
- `received`: stored, waiting for a worker;
- `processing`: a worker holds it;
- `decided`: the handoff and the decision are stored (review and skip stop here);
- `delivered`: the decision's action was accepted by the destination;
- `failed`: processing failed on every attempt (the error says why).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from callhandoff.exceptions import NotFoundError
from callhandoff.store import history as stored
from callhandoff.store import intake as intake_store
from callhandoff.store.intake import IntakeRow, IntakeState
from callhandoff.store.rows import CallHistory, OutboxState


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _status(intake: IntakeRow | None, history: CallHistory | None) -> str:
    if intake is not None and intake.state is not IntakeState.DONE:
        return intake.state.value
    if history is None or history.decision is None:
        return IntakeState.RECEIVED.value
    key = history.decision.idempotency_key
    if any(r.idempotency_key == key and r.state is OutboxState.SENT for r in history.outbox):
        return "delivered"
    return "decided"


def call_status(engine: Engine, call_id: str) -> dict[str, Any]:
    """The status document of one call; `NotFoundError` when the store has never seen it."""
    intake = intake_store.latest_for_call(engine, call_id)
    try:
        history: CallHistory | None = stored.call_history(engine, call_id)
    except NotFoundError:
        history = None
    if intake is None and history is None:
        raise NotFoundError(f"no call {call_id!r} has been received")
    decision = history.decision if history is not None else None
    handoff = (
        stored.extraction_for_version(engine, decision.version_id) if decision is not None else None
    )
    document: dict[str, Any] = {
        "call_id": call_id,
        "status": _status(intake, history),
        "received_at": _iso(intake.received_at) if intake else None,
        "updated_at": _iso(intake.updated_at) if intake else None,
        "attempts": intake.attempts if intake else None,
        "error": intake.error if intake else None,
        "handoff": handoff,
        "decision": None
        if decision is None
        else {
            "kind": decision.kind,
            "reasons": decision.reasons,
            "idempotency_key": decision.idempotency_key,
            "policy_version": decision.policy_version,
            "transcript_version": decision.version,
            "decided_at": _iso(decision.created_at),
        },
        "outbox": [
            {
                "idempotency_key": row.idempotency_key,
                "destination": row.destination,
                "action": row.action,
                "state": row.state.value,
                "attempts": row.attempts,
                "last_status": row.last_status,
                "last_error": row.last_error,
                "next_attempt_at": _iso(row.next_attempt_at),
                "sent_at": _iso(row.sent_at),
            }
            for row in (history.outbox if history else [])
        ],
        "review": [
            {"state": r.state.value, "reason_codes": r.reason_codes, "urgency": r.urgency}
            for r in (history.reviews if history else [])
        ],
    }
    return document

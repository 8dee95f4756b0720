"""The routing stage: match → priority → policy → destination action → store, once per call.

`Router.route` fills a `CallResult`'s match, decision and action and writes the
call, its transcript version, the extraction, the decision and the outbox row
or review item in one transaction. Routing the same transcript again writes
nothing and returns what was decided; a changed transcript for the same call
ID becomes a new version whose action supersedes the pending one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.routing.facts import History, compute_facts
from callhandoff.routing.lookup import DirectoryLookup
from callhandoff.routing.match import Matcher
from callhandoff.routing.payloads import NO_ACTION, REVIEW_ACTION, build_action, idempotency_key
from callhandoff.routing.policy import decide
from callhandoff.routing.policy_file import Policy, load_policy
from callhandoff.routing.priority import compute_priority
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.result import CallResult
from callhandoff.schema.routing import Decision, DestinationAction, Reason, RecordMatch
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.store import calls as store
from callhandoff.store.db import open_store

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Router:
    """Routes calls against one store with one policy. Not shared between threads."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy | None = None,
        *,
        regions: Iterable[str] = ("US",),
        clock: Clock = _utcnow,
    ) -> None:
        self.engine = engine
        self.policy = policy or load_policy()
        self.policy_version = self.policy.content_hash()
        self.matcher = Matcher(DirectoryLookup(), self.policy.matching, tuple(regions))
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> Router:
        """A router on the configured store (SQLite by default) and policy file."""
        return cls(
            open_store(settings.resolved_database_url),
            load_policy(settings.policy_path),
            regions=settings.phone_regions,
        )

    def route(self, call: CallResult, transcript: Transcript) -> CallResult:
        """Match, decide and persist one call atomically; returns the filled result."""
        for attempt in range(2):
            try:
                with self.engine.begin() as connection:
                    return self._route(connection, call, transcript)
            except sa.exc.IntegrityError:
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def route_many(
        self, items: Iterable[tuple[CallResult, Transcript]], batch_size: int = 200
    ) -> Iterator[CallResult]:
        """Route many calls, committing once per batch (results yielded after each commit)."""
        batch: list[tuple[CallResult, Transcript]] = []

        def flush() -> list[CallResult]:
            with self.engine.begin() as connection:
                return [self._route(connection, c, t) for c, t in batch]

        for item in items:
            batch.append(item)
            if len(batch) >= batch_size:
                yield from flush()
                batch = []
        if batch:
            yield from flush()

    def _stored(
        self, call: CallResult, version_id: int, row: Any, connection: Connection
    ) -> CallResult:
        handoff_json = store.extraction_of(connection, version_id)
        handoff = Handoff.model_validate(handoff_json) if handoff_json else call.handoff
        return call.model_copy(
            update={
                "handoff": handoff,
                "match": RecordMatch.model_validate(row["match"]) if row["match"] else None,
                "decision": Decision(
                    kind=DecisionKind(row["kind"]),
                    reasons=[Reason.model_validate(r) for r in row["reasons"]],
                    idempotency_key=row["idempotency_key"],
                    policy_version=row["policy_version"],
                ),
                "action": DestinationAction.model_validate(row["action"])
                if row["action"]
                else None,
            }
        )

    def _route(
        self, connection: Connection, call: CallResult, transcript: Transcript
    ) -> CallResult:
        now = self.clock()
        previous = store.prior(connection, call.call_id, call.transcript_hash)
        stored = previous.latest_decision
        if (
            previous.same_version_id is not None
            and stored is not None
            and (stored["policy_version"] == self.policy_version or previous.delivered)
        ):
            return self._stored(call, previous.same_version_id, stored, connection)

        new_version = previous.same_version_id is None
        version = previous.current_version + 1 if new_version else int(previous.same_version or 1)
        history = History(
            version=version,
            transcript_changed=new_version and previous.exists,
            changed_after_delivery=new_version and previous.delivered,
        )
        reference = transcript.reference_time(now)
        handoff = call.handoff
        outcome = self.matcher.match(connection, handoff, transcript, reference)
        customer, order = outcome.customer, outcome.order
        handoff = handoff.model_copy(
            update={
                "priority": compute_priority(
                    handoff,
                    reference=reference,
                    vip=customer.vip if customer else None,
                    loyalty_tier=customer.loyalty_tier if customer else None,
                    order_value=order.total if order else None,
                )
            }
        )
        facts = compute_facts(handoff, outcome, self.policy, history)
        verdict = decide(self.policy, facts)
        built = build_action(handoff, transcript, outcome, verdict, facts, self.policy)
        action = built.action
        key = idempotency_key(call.call_id, action.action, version)
        decision = Decision(
            kind=verdict.kind,
            reasons=verdict.reasons,
            idempotency_key=key,
            policy_version=self.policy_version,
        )

        if new_version:
            version_id, _ = store.record_version(
                connection,
                call_id=call.call_id,
                destination=handoff.destination.value,
                store=transcript.store,
                content_hash=call.transcript_hash,
                source=str(call.source) if call.source else None,
                transcript=transcript.model_dump(mode="json", exclude={"source"}),
                previous=previous,
                now=now,
            )
        else:
            assert previous.same_version_id is not None
            version_id = previous.same_version_id
        store.record_extraction(
            connection, version_id, handoff.model_dump(mode="json"), now, new_version=new_version
        )
        decision_id = store.record_decision(
            connection,
            {
                "call_id": call.call_id,
                "version_id": version_id,
                "kind": verdict.kind.value,
                "reasons": [r.model_dump() for r in verdict.reasons],
                "idempotency_key": key,
                "policy_version": self.policy_version,
                "match": outcome.match.model_dump(mode="json"),
                "facts": facts,
                "trace": {
                    "rules": [o.to_json() for o in verdict.trace],
                    "by_default": verdict.by_default,
                    "proposed": verdict.proposed.value if verdict.proposed else None,
                    "thresholds": self.policy.thresholds,
                    "policy_source": self.policy.source,
                    "old_values": built.old_values,
                },
                "action": action.model_dump(mode="json"),
                "priority": (
                    handoff.priority.model_dump(mode="json") if handoff.priority else None
                ),
                "created_at": now,
            },
        )
        sendable = action.action not in {REVIEW_ACTION, NO_ACTION}
        superseded = (
            store.supersede_open_work(connection, call.call_id, key if sendable else None, now)
            if previous.exists
            else []
        )
        if sendable:
            store.enqueue(
                connection,
                {
                    "call_id": call.call_id,
                    "version_id": version_id,
                    "decision_id": decision_id,
                    "idempotency_key": key,
                    "destination": action.destination.value,
                    "action": action.action,
                    "payload": action.payload,
                    "old_values": built.old_values,
                    "created_at": now,
                    "updated_at": now,
                },
                superseded,
                known_call=previous.exists,
            )
        elif action.action == REVIEW_ACTION:
            store.open_review(
                connection,
                {
                    "call_id": call.call_id,
                    "version_id": version_id,
                    "decision_id": decision_id,
                    "reason_codes": [r.code for r in verdict.reasons],
                    "destination": action.destination.value,
                    "urgency": handoff.priority.level.value if handoff.priority else "normal",
                    "payload": action.payload,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        return call.model_copy(
            update={
                "handoff": handoff,
                "match": outcome.match,
                "decision": decision,
                "action": action,
            }
        )

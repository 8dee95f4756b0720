"""The routing stage: match → decide → store, once per call.

`Router.route_many` looks each call's records up, decides it with the pure
`decide_call`, and writes the call, its transcript version, the extraction, the
decision and the outbox row or review item, committing once per batch: calls the
store has never seen are written together (`save_new_calls`), a call ID seen
before with `save_routing`, in input order. Routing the same transcript again
writes nothing and returns what was decided; a changed transcript for the same
call ID becomes a new version whose action supersedes the pending one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.routing.decide import Routed, decide_call
from callhandoff.routing.match import Matcher
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.routing.policy.facts import History
from callhandoff.routing.policy.file import Policy, document_hash, load_policy
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.result import CallResult
from callhandoff.schema.routing import Decision, DestinationAction, Reason, RecordMatch
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.store import calls, history, policies
from callhandoff.store.db import open_store
from callhandoff.store.lookup import DirectoryLookup
from callhandoff.store.rows import DecisionRow, PolicyRow
from callhandoff.store.writes import (
    HANDOFF_KEYS,
    DecisionWrite,
    JsonText,
    OutboxWrite,
    Prior,
    ReviewWrite,
    RoutingWrite,
)

Clock = Callable[[], datetime]

#: Calls committed together: a batch pays a few milliseconds for its statements and commit
#: whatever its size. A call waiting in a batch keeps about 300 objects alive, so a batch
#: of 128 stays well below what sets off a collection in a settled run (`longlived`).
BATCH_SIZE = 128


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
        document = self.policy.document()
        self.policy_version = document_hash(document)
        #: the policy as the store keeps it, under the version every decision records
        self.policy_row = PolicyRow(self.policy_version, self.policy.source, document)
        self._policy_kept = False  # by a committed batch of this router
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
        return self._commit([(call, transcript)])[0]

    def route_many(
        self,
        items: Iterable[tuple[CallResult, Transcript]],
        *,
        batch_size: int = BATCH_SIZE,
        max_wait_s: float = 0.5,
    ) -> Iterator[CallResult]:
        """Route calls in order, committing once per batch; results come after their commit.

        A batch closes at `batch_size` calls, or when a call arrives more than
        `max_wait_s` after the batch's first one (so a slow backend's results are
        not held back long). Nothing is yielded before it is committed.
        """
        batch: list[tuple[CallResult, Transcript]] = []
        opened = 0.0
        for item in items:
            if not batch:
                opened = time.monotonic()
            batch.append(item)
            if len(batch) >= batch_size or time.monotonic() - opened >= max_wait_s:
                yield from self._commit(batch)
                batch = []
        if batch:
            yield from self._commit(batch)

    def _commit(self, batch: list[tuple[CallResult, Transcript]]) -> list[CallResult]:
        """Route a batch in one transaction, retried once if a concurrent writer got there first."""
        for attempt in range(2):
            try:
                with self.engine.begin() as connection:
                    if not self._policy_kept:
                        policies.keep_policy(connection, self.policy_row, self.clock())
                    routed = self._route_batch(connection, batch)
                self._policy_kept = True
                return routed
            except sa.exc.IntegrityError:
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def _route_batch(
        self, connection: Connection, batch: list[tuple[CallResult, Transcript]]
    ) -> list[CallResult]:
        """Route a batch in order. Calls the store has never seen are matched together and
        written together; a call ID seen before (in the store or earlier in the batch) is
        routed on its own after what came before it is written, so it sees its own history."""
        seen = calls.known_call_ids(connection, [call.call_id for call, _ in batch])
        fresh: dict[int, datetime] = {}  # position in the batch -> reference time
        for position, (call, transcript) in enumerate(batch):
            if call.call_id not in seen:
                seen.add(call.call_id)
                fresh[position] = transcript.reference_time(self.clock())
        outcomes = dict(
            zip(
                fresh,
                self.matcher.match_many(
                    connection,
                    [
                        (batch[p][0].handoff, batch[p][1], reference)
                        for p, reference in fresh.items()
                    ],
                ),
                strict=True,
            )
        )
        results: list[CallResult] = []
        writes: list[RoutingWrite] = []
        for position, (call, transcript) in enumerate(batch):
            outcome = outcomes.get(position)
            if outcome is None:
                calls.save_new_calls(connection, writes, self.clock())
                writes = []
                results.append(self._route(connection, call, transcript))
                continue
            routed = self._decided(call.handoff, transcript, outcome, History(), fresh[position])
            write = _write(call, transcript, routed)
            writes.append(write)
            results.append(_filled(call, routed, write))
        calls.save_new_calls(connection, writes, self.clock())
        return results

    def _unchanged(self, previous: Prior) -> DecisionRow | None:
        """The stored decision when this exact transcript is the call's current version and
        was decided under this policy.

        A transcript whose action was delivered, or that a reviewer decided, keeps its
        decision whatever the policy.
        """
        stored = previous.latest_decision
        if previous.new_version or stored is None or not previous.current:
            return None  # new, or an older version back after a newer one: decide again
        if (
            stored.policy_version == self.policy_version
            or previous.delivered
            or "review" in stored.trace
        ):
            return stored
        return None

    def _stored(
        self, call: CallResult, version_id: int, row: DecisionRow, connection: Connection
    ) -> CallResult:
        handoff_json = history.extraction_of(connection, version_id)
        handoff = Handoff.model_validate(handoff_json) if handoff_json else call.handoff
        return call.model_copy(
            update={
                "handoff": handoff,
                "match": RecordMatch.model_validate(row.match) if row.match else None,
                "decision": Decision(
                    kind=DecisionKind(row.kind),
                    reasons=[Reason.model_validate(r) for r in row.reasons],
                    idempotency_key=row.idempotency_key,
                    policy_version=row.policy_version,
                ),
                "action": DestinationAction.model_validate(row.action) if row.action else None,
            }
        )

    def decide(
        self,
        connection: Connection,
        handoff: Handoff,
        transcript: Transcript,
        history: History,
        now: datetime,
        *,
        reviewer: str | None = None,
    ) -> Routed:
        """Match the call's records and decide it, writing nothing (approved by `reviewer`)."""
        reference = transcript.reference_time(now)
        outcome = self.matcher.match(connection, handoff, transcript, reference)
        return self._decided(handoff, transcript, outcome, history, reference, reviewer)

    def _decided(
        self,
        handoff: Handoff,
        transcript: Transcript,
        outcome: MatchOutcome,
        history: History,
        reference: datetime,
        reviewer: str | None = None,
    ) -> Routed:
        return decide_call(
            handoff,
            transcript,
            outcome,
            self.policy,
            history=history,
            reference=reference,
            policy_version=self.policy_version,
            reviewer=reviewer,
        )

    def _route(
        self, connection: Connection, call: CallResult, transcript: Transcript
    ) -> CallResult:
        now = self.clock()
        previous = calls.prior(connection, call.call_id, call.transcript_hash)
        stored = self._unchanged(previous)
        if stored is not None:
            assert previous.same_version_id is not None
            return self._stored(call, previous.same_version_id, stored, connection)
        history = History(
            version=previous.next_version,
            transcript_changed=previous.changed,
            changed_after_delivery=previous.changed and previous.delivered,
        )
        routed = self.decide(connection, call.handoff, transcript, history, now)
        write = _write(call, transcript, routed)
        calls.save_routing(connection, write, previous, now)
        return _filled(call, routed, write)


def _filled(call: CallResult, routed: Routed, write: RoutingWrite) -> CallResult:
    """The call's result with what routing decided; its output line reuses the handoff and
    action JSON of the store's `write`."""
    result = call.model_copy(
        update={
            "handoff": routed.handoff,
            "match": routed.match,
            "decision": routed.decision,
            "action": routed.action,
        }
    )
    handoff, action = write.handoff, write.action
    assert isinstance(handoff, str) and isinstance(action, str), "`_write` serialises both"
    return result.with_json_parts(handoff, action)


def _write(call: CallResult, transcript: Transcript, routed: Routed) -> RoutingWrite:
    """The store's record of one routed call."""
    handoff, action = routed.handoff, routed.action
    return RoutingWrite(
        call_id=call.call_id,
        destination=handoff.destination.value,
        store=transcript.store,
        content_hash=call.transcript_hash,
        source=str(call.source) if call.source else None,
        transcript=JsonText(transcript.model_dump_json(exclude={"source"})),
        handoff=JsonText(handoff.model_dump_json(exclude_none=True)),
        handoff_keys=handoff.model_dump(mode="json", include=HANDOFF_KEYS),
        **vars(decision_write(routed)),
        outbox=outbox_write(routed),
        review=(
            ReviewWrite(
                destination=action.destination.value,
                reason_codes=[r.code for r in routed.decision.reasons],
                urgency=handoff.priority.level.value if handoff.priority else "normal",
                payload=action.payload,
            )
            if routed.to_review
            else None
        ),
    )


def decision_write(routed: Routed) -> DecisionWrite:
    """The store's record of a decision (for a decision made outside `route`, e.g. a review)."""
    handoff = routed.handoff
    return DecisionWrite(
        kind=routed.decision.kind.value,
        reasons=JsonText.of([r.model_dump() for r in routed.decision.reasons]),
        idempotency_key=routed.decision.idempotency_key,
        policy_version=routed.decision.policy_version,
        match=routed.match.model_dump(mode="json"),  # the review queue's columns read it
        facts=JsonText.of(routed.facts),
        trace=JsonText.of(routed.notes),  # the rules: `explain` decides the facts again
        action=JsonText(routed.action.model_dump_json(exclude_none=True)),
        priority=handoff.priority.model_dump(mode="json") if handoff.priority else None,
    )


def outbox_write(routed: Routed) -> OutboxWrite | None:
    """The outbox row a decision queues, or None when nothing is sent automatically."""
    if not routed.sendable:
        return None
    action = routed.action
    return OutboxWrite(
        destination=action.destination.value,
        action=action.action,
        payload=action.payload,
        old_values=routed.old_values,
    )

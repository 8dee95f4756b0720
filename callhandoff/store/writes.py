"""What the router hands the store for one routed call, and what the store held before.

`RoutingWrite` carries every value JSON-ready: plain dicts and lists, or `JsonText`
already serialised; `Prior` is the call's history as `calls.prior` reads it
(versions, delivery, the decision of this exact transcript).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pydantic_core

from callhandoff.store.rows import DecisionRow

#: The caller's and the records' values the review queue finds an item by
#: (`review_queue.queue_columns`).
CALLER_KEYS = ("name", "phone", "email", "customer_id")
RECORD_KEYS = ("order_id", "booking_id")

#: The parts of a handoff `review_queue.queue_columns` reads (a pydantic `include`
#: specification).
QUEUE_KEYS: dict[str, set[str]] = {
    "caller": set(CALLER_KEYS),
    "records": {*RECORD_KEYS, "other_order_ids"},
    "request": {"intent"},
}

#: The parts of a handoff the store reads when it writes one: the extraction's backend,
#: model and prompt, and the review queue's columns. `RoutingWrite.handoff_keys` holds them.
HANDOFF_KEYS: dict[str, set[str]] = {**QUEUE_KEYS, "meta": {"backend", "model", "prompt_id"}}


class JsonText(str):
    """A JSON column's value serialised already: the store writes it as it is.

    The router serialises the large values of a call (transcript, trace, facts,
    action) as soon as it has decided the call, so a batch waiting for its commit
    holds a string per value instead of trees of dicts for the garbage collector
    to walk again and again.
    """

    __slots__ = ()

    @classmethod
    def of(cls, value: Any) -> JsonText:
        """`value` (dicts, lists, strings, numbers, None) serialised as JSON."""
        return cls(pydantic_core.to_json(value).decode())


@dataclass(frozen=True)
class OutboxWrite:
    """An action to queue for delivery."""

    destination: str
    action: str
    payload: dict[str, Any]
    old_values: dict[str, Any] | None


@dataclass(frozen=True)
class ReviewWrite:
    """A call to put in the review queue."""

    destination: str
    reason_codes: list[str]
    urgency: str
    #: the proposed action's payload: the queue's columns read its card (the store keeps
    #: it once, as the decision's action)
    payload: dict[str, Any]


@dataclass(frozen=True)
class DecisionWrite:
    """One `decisions` row to add: the verdict, its reasons and what it was decided from."""

    kind: str
    reasons: list[dict[str, Any]] | JsonText
    idempotency_key: str
    policy_version: str
    match: dict[str, Any] | None
    facts: dict[str, Any] | JsonText
    trace: dict[str, Any] | JsonText
    action: dict[str, Any] | JsonText | None
    priority: dict[str, Any] | None


@dataclass(frozen=True)
class RoutingWrite:
    """Everything the store keeps for one routed call (all values JSON-ready)."""

    call_id: str
    destination: str
    store: str | None
    content_hash: str
    source: str | None
    transcript: dict[str, Any] | JsonText
    handoff: dict[str, Any] | JsonText
    handoff_keys: dict[str, Any]  # the parts of `handoff` named by `HANDOFF_KEYS`
    kind: str
    reasons: list[dict[str, Any]] | JsonText
    idempotency_key: str
    policy_version: str
    match: dict[str, Any]
    facts: dict[str, Any] | JsonText
    trace: dict[str, Any] | JsonText
    action: dict[str, Any] | JsonText
    priority: dict[str, Any] | None
    outbox: OutboxWrite | None = None
    review: ReviewWrite | None = None

    @property
    def decision(self) -> DecisionWrite:
        """The decision part of this write."""
        return DecisionWrite(
            kind=self.kind,
            reasons=self.reasons,
            idempotency_key=self.idempotency_key,
            policy_version=self.policy_version,
            match=self.match,
            facts=self.facts,
            trace=self.trace,
            action=self.action,
            priority=self.priority,
        )


@dataclass
class Prior:
    """What the store holds for a call ID before this transcript is routed."""

    exists: bool = False
    current_version: int = 0
    same_version_id: int | None = None
    same_version: int | None = None
    delivered: bool = False
    latest_decision: DecisionRow | None = None
    sent_keys: set[str] = field(default_factory=set)

    @property
    def new_version(self) -> bool:
        """True when this transcript's content is not stored for the call yet."""
        return self.same_version_id is None

    @property
    def current(self) -> bool:
        """True when this transcript is the call's current version (stored and not replaced)."""
        return self.same_version is not None and self.same_version == self.current_version

    @property
    def changed(self) -> bool:
        """True when this transcript replaces the call's current one: a new version, or an
        older version coming back (v1, v2, then v1 again)."""
        return self.exists and not self.current

    @property
    def next_version(self) -> int:
        """The version number this transcript has, or gets when it is new."""
        if self.same_version is not None:
            return self.same_version
        return self.current_version + 1

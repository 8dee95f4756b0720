"""Typed rows of the call-side tables, and the states an outbox row or review item can be in.

The store returns these instead of column mappings, so a caller sees a typo as
a type error rather than a `KeyError` at run time. The directory's rows are in
`callhandoff.store.records`, the eval runs' in `callhandoff.store.eval_runs`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import RowMapping


class OutboxState(StrEnum):
    """Where an outbox row is in its life.

    pending → sent, or pending → dead (given up); pending or dead → superseded
    when a newer decision for the same call replaces the action; dead → pending
    when an operator requeues it (`callhandoff outbox retry`). A pending row may
    carry a deliverer's lease while it is being sent.
    """

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    SUPERSEDED = "superseded"


class ReviewState(StrEnum):
    """An item in the review queue: open until a reviewer acts or a newer decision replaces it."""

    OPEN = "open"
    SUPERSEDED = "superseded"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewAction(StrEnum):
    """What a reviewer did to an item (the audit log's `action`)."""

    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"


@dataclass(frozen=True)
class CallRow:
    """One `calls` row: a call ID and which transcript version is current."""

    call_id: str
    destination: str
    store: str | None
    current_version: int
    first_seen_at: datetime
    last_seen_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> CallRow:
        """Build from a `calls` row mapping."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class DecisionRow:
    """One `decisions` row: what the policy decided for a transcript version, and why."""

    id: int
    call_id: str
    version_id: int
    kind: str
    reasons: list[dict[str, Any]]
    idempotency_key: str
    policy_version: str
    match: dict[str, Any] | None
    facts: dict[str, Any]
    trace: dict[str, Any]
    action: dict[str, Any] | None
    priority: dict[str, Any] | None
    created_at: datetime
    version: int | None = None  # the transcript version number, when the query joins it

    @classmethod
    def from_row(cls, row: RowMapping) -> DecisionRow:
        """Build from a `decisions` row mapping (optionally joined with the version number)."""
        values = {name: row[name] for name in cls.__dataclass_fields__ if name in row}
        return cls(**values)


@dataclass(frozen=True)
class OutboxRow:
    """One `outbox` row: an action waiting for, or done with, delivery."""

    id: int
    call_id: str
    idempotency_key: str
    destination: str
    action: str
    payload: dict[str, Any]
    old_values: dict[str, Any] | None
    state: OutboxState
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    superseded_by: int | None
    lease_owner: str | None = None
    lease_until: datetime | None = None

    @classmethod
    def from_row(cls, row: RowMapping) -> OutboxRow:
        """Build from an `outbox` row mapping."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["state"] = OutboxState(values["state"])
        return cls(**values)


@dataclass(frozen=True)
class ReviewRow:
    """One `review_items` row: a call waiting for a person."""

    id: int
    call_id: str
    version_id: int
    decision_id: int
    state: ReviewState
    reason_codes: list[str]
    destination: str
    urgency: str
    created_at: datetime
    updated_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    note: str | None
    version: int = 1
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    priority_score: int = 0
    intent: str | None = None

    @classmethod
    def from_row(cls, row: RowMapping) -> ReviewRow:
        """Build from a `review_items` row mapping."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["state"] = ReviewState(values["state"])
        return cls(**values)

    def held_by_other(self, reviewer: str, now: datetime) -> str | None:
        """Who else holds the item at `now`, or None (free, expired or held by `reviewer`)."""
        if self.claimed_by is None or self.claimed_by == reviewer:
            return None
        if self.claimed_until is None or self.claimed_until <= now:
            return None
        return self.claimed_by


@dataclass(frozen=True)
class ReviewActionRow:
    """One `review_actions` row: an audited reviewer action (never updated or deleted)."""

    id: int
    item_id: int
    call_id: str
    reviewer: str
    at: datetime
    action: ReviewAction
    item_version: int
    changes: list[dict[str, Any]]
    decision_before: dict[str, Any]
    decision_after: dict[str, Any]
    reject_reason: str | None
    note: str | None
    decision_id: int | None
    outbox_id: int | None
    handoff: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: RowMapping) -> ReviewActionRow:
        """Build from a `review_actions` row mapping."""
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["action"] = ReviewAction(values["action"])
        return cls(**values)


@dataclass(frozen=True)
class PolicyRow:
    """One `policies` row: an effective policy as JSON, under the version decisions record."""

    version: str
    source: str
    document: dict[str, Any]


@dataclass(frozen=True)
class CallHistory:
    """Everything the store keeps about one call, for `callhandoff explain`."""

    call: CallRow
    decision: DecisionRow | None
    policy: PolicyRow | None = None  # the decision's policy, when the store keeps it
    outbox: list[OutboxRow] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    purged: dict[int, datetime] = field(default_factory=dict)  # version -> when purged

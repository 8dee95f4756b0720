"""A reviewer's actions: claim, preview, approve (as is or edited), reject; next in the queue.

Every decision goes through the router's `decide` (the same match, facts,
policy, payload and idempotency key as `process`), with the reviewer's name so
a review verdict becomes the action the policy proposed. The write is
`callhandoff.store.review_log.resolve`: the optimistic version check, the new
decision, the outbox row under the call's key, and the audit row in one
transaction. The UI, the CLI and the tests all call these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from callhandoff.exceptions import InvalidEditError, ReviewError
from callhandoff.review.fields import (
    CHANGES,
    FIELDS,
    EditOutcome,
    apply_edits,
    is_empty,
    items_of,
    plain,
)
from callhandoff.review.item import Approval, ItemView, approval_of, build_view
from callhandoff.review.masking import Masker
from callhandoff.routing.decide import Routed
from callhandoff.routing.delivery.payloads import NO_ACTION, idempotency_key
from callhandoff.routing.policy.facts import History
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router, decision_write, outbox_write
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.store import review_log, review_queue
from callhandoff.store.review_log import ActionWrite, FieldCheck
from callhandoff.store.review_queue import ItemContext, QueueFilter
from callhandoff.store.rows import ReviewAction, ReviewRow
from callhandoff.store.writes import DecisionWrite

#: Why a reviewer rejects a call: code → what it means.
REJECT_REASONS: dict[str, str] = {
    "not_actionable": "Nothing to do: no real request in the call",
    "wrong_record": "Wrong customer, order or booking",
    "duplicate": "Duplicate of another call or ticket",
    "handled_elsewhere": "Already handled by the team",
    "needs_specialist": "Fraud, abuse or a legal matter for a specialist",
    "bad_transcript": "Transcript unusable (garbled, cut off, wrong call)",
    "other": "Other (say why)",
}

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EditPreview:
    """An edit checked and decided again: the new handoff's decision, or the problems."""

    outcome: EditOutcome
    approval: Approval | None

    @property
    def still_needs_review(self) -> bool:
        """True when the edited call would still go to review without the approval."""
        return self.approval is not None and bool(self.approval.overridden)


@dataclass(frozen=True)
class ActionResult:
    """What a reviewer's action stored, and which item the queue offers next."""

    item_id: int
    call_id: str
    action: ReviewAction
    decision: str
    sent_action: str
    outbox_id: int | None
    next_item: int | None
    message: str
    changes: list[dict[str, Any]] = field(default_factory=list)


class ReviewService:
    """The reviewer's operations on one store with one policy (one per app session)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        router: Router | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.router = router or Router(
            engine, load_policy(settings.policy_path), regions=settings.phone_regions
        )
        self.clock = clock

    # --- the queue ---------------------------------------------------------------------

    def next_item(
        self, wanted: QueueFilter, reviewer: str, exclude: tuple[int, ...] = ()
    ) -> int | None:
        """The first open item in the filter's queue order that nobody else holds."""
        return review_queue.next_open(self.engine, wanted, reviewer, self.clock(), exclude=exclude)

    # --- one item ----------------------------------------------------------------------

    def claim(self, item_id: int, reviewer: str) -> ReviewRow:
        """Hold an item for `reviewer` for the configured minutes (see `held_by_other`)."""
        now = self.clock()
        until = now + timedelta(minutes=self.settings.review_claim_minutes)
        return review_queue.claim(self.engine, item_id, reviewer, now, until)

    def release(self, item_id: int, reviewer: str) -> None:
        """Let go of an item the reviewer holds."""
        review_queue.release(self.engine, item_id, reviewer)

    def _redecide(self, context: ItemContext, handoff: Handoff, reviewer: str) -> Routed:
        transcript = Transcript.model_validate(context.transcript)
        facts = context.decision.facts
        history = History(
            version=context.transcript_version,
            transcript_changed=bool(facts.get("transcript_changed")),
            changed_after_delivery=bool(facts.get("changed_after_delivery")),
        )
        with self.engine.connect() as connection:
            return self.router.decide(
                connection, handoff, transcript, history, self.clock(), reviewer=reviewer
            )

    def view(self, item_id: int, reviewer: str | None, *, selected: str | None = None) -> ItemView:
        """The item page's content: the call, its evidence, and what approval would send."""
        context = review_queue.context(self.engine, item_id)
        handoff = Handoff.model_validate(context.handoff)
        routed = self._redecide(context, handoff, reviewer or "a reviewer")
        masker = Masker.of(Transcript.model_validate(context.transcript))
        history = review_log.log(self.engine, context.item.call_id)
        return build_view(context, approval_of(routed, masker), selected=selected, history=history)

    def preview_edit(self, item_id: int, edits: dict[str, Any], reviewer: str) -> EditPreview:
        """The edited handoff checked by the schema and decided again (nothing is written)."""
        context = review_queue.context(self.engine, item_id)
        outcome = self._edited(context, edits)
        if outcome.handoff is None:
            return EditPreview(outcome, None)
        routed = self._redecide(context, outcome.handoff, reviewer)
        masker = Masker.of(Transcript.model_validate(context.transcript))
        return EditPreview(outcome, approval_of(routed, masker))

    def _edited(self, context: ItemContext, edits: dict[str, Any]) -> EditOutcome:
        handoff = Handoff.model_validate(context.handoff)
        if not edits:
            return EditOutcome(handoff)
        transcript = Transcript.model_validate(context.transcript)
        return apply_edits(handoff, transcript, edits, regions=self.settings.phone_regions)

    # --- actions -----------------------------------------------------------------------

    def approve(
        self,
        item_id: int,
        reviewer: str,
        version: int,
        *,
        edits: dict[str, Any] | None = None,
        note: str | None = None,
        queue: QueueFilter | None = None,
    ) -> ActionResult:
        """Approve the call as it is, or with `edits`: its action goes into the outbox.

        Raises InvalidEditError for edits the schema refuses, ReviewError when the
        policy proposes no action even with the approval, and ReviewConflictError
        when the item moved on since `version` or someone else holds it.
        """
        reviewer = _name(reviewer)
        context = review_queue.context(self.engine, item_id)
        outcome = self._edited(context, edits or {})
        if outcome.handoff is None:
            raise InvalidEditError(outcome.problems)
        routed = self._redecide(context, outcome.handoff, reviewer)
        if not routed.sendable and routed.decision.kind.value == "review":
            raise ReviewError(
                f"nothing to approve for call {context.item.call_id}: the policy proposes no "
                "action for it even after review; correct the fields or reject it"
            )
        action = ReviewAction.EDIT if outcome.changes else ReviewAction.APPROVE
        write = ActionWrite(
            item_id=item_id,
            reviewer=reviewer,
            action=action,
            expected_version=version,
            changes=outcome.changes,
            decision_before=_before(context),
            decision_after=_after(routed.decision.kind.value, routed.action.action, routed),
            note=note or None,
            handoff=routed.handoff.model_dump(mode="json"),
            checks=_checks(Handoff.model_validate(context.handoff), outcome),
        )
        resolved = review_log.resolve(
            self.engine,
            write,
            decision_write(routed),
            outbox_write(routed),
            self.clock(),
            policy=self.router.policy_row,
        )
        sent = routed.action.action if routed.sendable else NO_ACTION
        return self._result(context, write, resolved.outbox_id, sent, queue)

    def reject(
        self,
        item_id: int,
        reviewer: str,
        version: int,
        reason: str,
        text: str = "",
        *,
        queue: QueueFilter | None = None,
    ) -> ActionResult:
        """Reject the call with a reason code (and words): nothing is sent, ever."""
        reviewer = _name(reviewer)
        if reason not in REJECT_REASONS:
            raise ReviewError(f"unknown reject reason {reason!r}: use {', '.join(REJECT_REASONS)}")
        if reason == "other" and not text.strip():
            raise ReviewError("say why the call is rejected (reason 'other' needs words)")
        context = review_queue.context(self.engine, item_id)
        stored = context.decision
        said = f"{REJECT_REASONS[reason]}" + (f": {text.strip()}" if text.strip() else "")
        reasons = [{"code": "reviewer_rejected", "message": f"{reviewer} rejected it — {said}."}]
        action = {"destination": context.item.destination, "action": NO_ACTION, "payload": {}}
        decision = DecisionWrite(
            kind="skip",
            reasons=reasons,
            idempotency_key=idempotency_key(
                context.item.call_id, NO_ACTION, context.transcript_version
            ),
            policy_version=stored.policy_version,
            match=stored.match,
            facts=stored.facts,
            trace={**stored.trace, "review": {"reviewer": reviewer, "rejected": reason}},
            action={**action, "lookups": []},
            priority=stored.priority,
        )
        write = ActionWrite(
            item_id=item_id,
            reviewer=reviewer,
            action=ReviewAction.REJECT,
            expected_version=version,
            changes=[],
            decision_before=_before(context),
            decision_after={"kind": "skip", "action": NO_ACTION, "reasons": ["reviewer_rejected"]},
            reject_reason=reason,
            note=text.strip() or None,
        )
        review_log.resolve(self.engine, write, decision, None, self.clock())
        return self._result(context, write, None, NO_ACTION, queue)

    def _result(
        self,
        context: ItemContext,
        write: ActionWrite,
        outbox_id: int | None,
        sent: str,
        queue: QueueFilter | None,
    ) -> ActionResult:
        after = write.decision_after
        verb = {"approve": "Approved", "edit": "Edited and approved", "reject": "Rejected"}
        message = f"{verb[write.action.value]} {context.item.call_id}: " + (
            f"{sent} queued for delivery (outbox #{outbox_id})"
            if outbox_id is not None
            else "nothing is sent"
        )
        next_item = (
            self.next_item(queue, write.reviewer, (context.item.id,)) if queue is not None else None
        )
        return ActionResult(
            item_id=context.item.id,
            call_id=context.item.call_id,
            action=write.action,
            decision=str(after["kind"]),
            sent_action=sent,
            outbox_id=outbox_id,
            next_item=next_item,
            message=message,
            changes=write.changes,
        )


def _name(reviewer: str) -> str:
    name = " ".join(reviewer.split())
    if not name:
        raise ReviewError("set your name in the sidebar first: every review action records who")
    return name


def _before(context: ItemContext) -> dict[str, Any]:
    stored = context.decision
    return {
        "kind": stored.kind,
        "reasons": [r["code"] for r in stored.reasons],
        "proposed": stored.trace.get("proposed"),
    }


def _after(kind: str, action: str, routed: Routed) -> dict[str, Any]:
    """The approved decision, and what the policy alone decides on the reviewed values
    (`policy`: review when the approval overrode review rules) — the gold decision."""
    overrode = (routed.trace.get("review") or {}).get("overrode") or []
    return {
        "kind": kind,
        "action": action,
        "reasons": [r.code for r in routed.decision.reasons],
        "idempotency_key": routed.decision.idempotency_key,
        "policy": "review" if overrode else kind,
    }


def _checks(original: Handoff, outcome: EditOutcome) -> list[FieldCheck]:
    """Per reviewable field the reviewer saw: its confidence and whether they changed it."""
    final = outcome.handoff
    assert final is not None
    edited = {str(change["field"]) for change in outcome.changes}
    checks: list[FieldCheck] = []
    for definition in FIELDS:
        items = items_of(original, definition)
        if not items and is_empty(plain(final, definition)):
            continue
        checks.append(
            FieldCheck(
                field=definition.name,
                confidence=min(item.confidence for item in items) if items else None,
                source=items[0].source if items else None,
                changed=definition.name in edited,
            )
        )
    for change in original.field_changes:
        checks.append(
            FieldCheck(
                field=CHANGES,
                confidence=change.confidence,
                source="rule:changes",
                changed=f"change:{change.field}" in edited,
            )
        )
    return checks

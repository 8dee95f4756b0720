"""A reviewer's actions on the example calls: what the store holds afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callhandoff.exceptions import InvalidEditError, ReviewConflictError, ReviewError
from callhandoff.review.service import ReviewService
from callhandoff.routing.explain import explain_call
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.history import call_history
from callhandoff.store.review_queue import QueueFilter
from callhandoff.store.rows import OutboxState, ReviewState
from tests.review.helpers import (
    audit_rows,
    item_of,
    item_row,
    latest_decision,
    outbox_rows,
    service,
)

REFUND = "dn-2025-03-0001"  # review_money_change, proposed create
LOW_INTENT = "dn-2025-03-0012"  # review_low_field_confidence on request.intent
UNMATCHED = "dn-2025-03-0011"  # review_unmatched_caller, nothing proposed


def test_approve_queues_the_proposed_action_under_the_calls_key_and_audits_it(
    store_url: str,
) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    result = svc.approve(item, "Alice", 1, note="refund ok'd by billing")
    sent = outbox_rows(svc, REFUND)
    assert [(r["idempotency_key"], r["action"], r["state"]) for r in sent] == [
        (f"{REFUND}:create_subscriber", "create_subscriber", OutboxState.PENDING)
    ]
    assert result.outbox_id == sent[0]["id"]
    row = item_row(svc, REFUND)
    assert (row["state"], row["version"], row["reviewer"]) == (ReviewState.APPROVED, 2, "Alice")
    decision = latest_decision(svc, REFUND)
    assert decision["kind"] == "create"
    assert [r["code"] for r in decision["reasons"]][-1] == "reviewer_approved"
    assert decision["id"] == sent[0]["decision_id"]
    (audit,) = audit_rows(svc, REFUND)
    assert audit["reviewer"] == "Alice" and audit["action"] == "approve"
    assert audit["decision_before"]["kind"] == "review"
    assert audit["decision_before"]["reasons"] == [
        "review_low_field_confidence",
        "review_money_change",
    ]
    assert audit["decision_after"]["kind"] == "create"
    assert audit["changes"] == [] and audit["note"] == "refund ok'd by billing"


def test_approving_twice_or_by_two_reviewers_never_queues_a_second_action(store_url: str) -> None:
    first, second = service(store_url), service(store_url)
    item = item_of(first, REFUND)
    first.approve(item, "Alice", 1)
    with pytest.raises(ReviewConflictError, match="Alice already approved"):
        second.approve(item, "Bob", 1)
    with pytest.raises(ReviewConflictError, match="Alice already approved"):
        first.approve(item, "Alice", 1)
    assert len(outbox_rows(first, REFUND)) == 1
    assert len(audit_rows(first, REFUND)) == 1


def test_a_stale_version_cannot_overwrite_a_newer_action(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    svc.reject(item, "Bob", 1, "duplicate", "same as ticket 88")
    with pytest.raises(ReviewConflictError, match=r"Bob already rejected .* your approve was not"):
        svc.approve(item, "Alice", 1)
    assert outbox_rows(svc, REFUND) == []
    assert item_row(svc, REFUND)["state"] == ReviewState.REJECTED


def test_edit_then_approve_decides_again_and_records_each_change(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, LOW_INTENT)
    preview = svc.preview_edit(item, {"intent": "product_inquiry", "urgency": "high"}, "Alice")
    assert preview.outcome.problems == {}
    assert preview.approval is not None and preview.approval.kind == "create"
    assert not preview.still_needs_review  # the corrected intent is certain now
    result = svc.approve(item, "Alice", 1, edits={"intent": "product_inquiry", "urgency": "high"})
    assert result.action.value == "edit" and result.sent_action == "create_subscriber"
    (audit,) = audit_rows(svc, LOW_INTENT)
    assert audit["changes"] == [
        {"field": "intent", "old": "purchase_intent", "new": "product_inquiry"},
        {"field": "urgency", "old": "low", "new": "high"},
    ]
    assert audit["handoff"]["request"]["intent"]["value"] == "product_inquiry"
    assert audit["handoff"]["request"]["intent"]["source"] == "reviewer"
    assert len(outbox_rows(svc, LOW_INTENT)) == 1


def test_an_edit_that_still_needs_review_says_so_before_it_is_confirmed(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    preview = svc.preview_edit(item, {"urgency": "high"}, "Alice")
    assert preview.still_needs_review
    assert preview.approval is not None
    assert [code for code, _ in preview.approval.overridden] == ["review_money_change"]


def test_an_edit_the_schema_refuses_changes_nothing(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    with pytest.raises(InvalidEditError, match="caller_phone") as caught:
        svc.approve(item, "Alice", 1, edits={"caller_phone": "12", "intent": "refund"})
    assert "caller_phone" in caught.value.problems
    assert outbox_rows(svc, REFUND) == [] and audit_rows(svc, REFUND) == []
    assert item_row(svc, REFUND)["version"] == 1


def test_a_call_the_policy_proposes_nothing_for_cannot_be_approved_only_rejected(
    store_url: str,
) -> None:
    svc = service(store_url)
    item = item_of(svc, UNMATCHED)
    assert not svc.view(item, "Alice").approval.possible
    with pytest.raises(ReviewError, match="nothing to approve"):
        svc.approve(item, "Alice", 1)
    result = svc.reject(item, "Alice", 1, "not_actionable", "just browsing")
    assert result.sent_action == "none" and outbox_rows(svc, UNMATCHED) == []
    decision = latest_decision(svc, UNMATCHED)
    assert decision["kind"] == "skip"
    assert decision["reasons"][0]["code"] == "reviewer_rejected"
    (audit,) = audit_rows(svc, UNMATCHED)
    assert (audit["reject_reason"], audit["note"]) == ("not_actionable", "just browsing")


def test_reject_needs_a_known_reason_and_words_for_other(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    with pytest.raises(ReviewError, match="unknown reject reason"):
        svc.reject(item, "Alice", 1, "bored")
    with pytest.raises(ReviewError, match="needs words"):
        svc.reject(item, "Alice", 1, "other", "  ")
    with pytest.raises(ReviewError, match="set your name"):
        svc.reject(item, "  ", 1, "duplicate")
    assert audit_rows(svc, REFUND) == []


def test_a_claimed_item_is_read_only_for_a_second_reviewer_until_the_claim_expires(
    store_url: str,
) -> None:
    now = [datetime(2030, 1, 1, 9, 0, tzinfo=UTC)]
    svc = service(store_url, clock=lambda: now[0])
    item = item_of(svc, REFUND)
    assert svc.claim(item, "Alice").held_by_other("Alice", now[0]) is None
    held = svc.claim(item, "Bob")
    assert held.held_by_other("Bob", now[0]) == "Alice"
    with pytest.raises(ReviewConflictError, match="Alice holds call"):
        svc.approve(item, "Bob", 1)
    now[0] += timedelta(minutes=svc.settings.review_claim_minutes + 1)
    assert svc.claim(item, "Bob").held_by_other("Bob", now[0]) is None
    svc.approve(item, "Bob", 1)
    assert item_row(svc, REFUND)["reviewer"] == "Bob"


def test_after_an_action_the_next_item_in_the_filter_is_offered(store_url: str) -> None:
    svc = service(store_url)
    money = QueueFilter(reason="review_money_change")
    first = svc.next_item(money, "Alice")
    assert first is not None
    result = svc.approve(first, "Alice", 1, queue=money)
    assert result.next_item is not None and result.next_item != first
    view = svc.view(result.next_item, "Alice")
    assert "review_money_change" in view.context.item.reason_codes


def test_processing_the_calls_again_keeps_the_reviewers_decision(store_url: str) -> None:
    from typer.testing import CliRunner

    from callhandoff.cli.app import app
    from tests.review.fixtures import EXAMPLES

    svc = service(store_url)
    svc.approve(item_of(svc, REFUND), "Alice", 1)
    again = CliRunner().invoke(app, ["process", str(EXAMPLES), "--out", "/dev/null"])
    assert again.exit_code == 0, again.output
    assert latest_decision(svc, REFUND)["kind"] == "create"
    assert len(outbox_rows(svc, REFUND)) == 1
    assert item_row(svc, REFUND)["state"] == ReviewState.APPROVED


def test_an_approval_under_a_changed_policy_is_explained_by_that_policy(
    store_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "rules:\n  - id: watch_refunds\n    decision: note\n"
        "    message: A refund call.\n    when: {intent: refund}\n",
        encoding="utf-8",
    )
    engine = open_store(store_url)
    svc = ReviewService(engine, Settings(database_url=store_url, policy_path=path))
    svc.approve(item_of(svc, REFUND), "Alice", 1)
    assert latest_decision(svc, REFUND)["policy_version"] == svc.router.policy_version
    text = explain_call(call_history(engine, REFUND))
    assert f"(policy {svc.router.policy_version} from default_policy.yaml + {path})" in text
    assert "* watch_refunds -> note (note)" in text

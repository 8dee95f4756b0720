"""Every page of the reviewer app, and every action, driven through Streamlit's AppTest;
each test checks what the store holds afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import callhandoff.ui
from callhandoff.store.rows import ReviewState
from tests.review.helpers import audit_rows, item_of, item_row, outbox_rows, service

APP = str(Path(callhandoff.ui.__file__).parent / "app.py")
REFUND = "dn-2025-03-0001"
LOW_INTENT = "dn-2025-03-0012"


def app(reviewer: str | None = "Alice") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if reviewer:
        at.session_state["reviewer"] = reviewer
    return at.run()


def open_item(at: AppTest, item: int) -> AppTest:
    at.switch_page("pages/item.py")
    at.query_params["item"] = str(item)
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(element.value) for element in getattr(at, kind)]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_queue_page_counts_filters_and_sorts_by_priority(store_url: str) -> None:
    at = app()
    no_exception(at)
    assert texts(at, "metric") == ["11"]
    table = at.dataframe[0].value
    assert len(table) == 11
    assert list(table["priority"]) == sorted(table["priority"], reverse=True)
    assert "`review_low_field_confidence`" in " ".join(texts(at, "markdown"))
    at.selectbox(key="f_reason").select("review_money_change").run()
    assert texts(at, "metric") == ["5"]
    assert set(at.dataframe[0].value["call"]) == {
        "dn-2025-03-0001",
        "dn-2025-03-0003",
        "dn-2025-03-0004",
        "dn-2025-03-0005",
        "dn-2025-03-0009",
    }
    at.selectbox(key="f_reason").select("(any)").run()
    at.text_input(key="f_text").input("hh 100234").run()
    assert list(at.dataframe[0].value["call"]) == [REFUND]
    at.text_input(key="f_text").input("").run()
    at.selectbox(key="f_dest").select("cults")
    at.selectbox(key="f_urgency").select("high").run()
    assert list(at.dataframe[0].value["call"]) == ["dn-2025-03-0005"]


def test_queue_filter_survives_a_visit_to_another_page(store_url: str) -> None:
    at = app()
    at.selectbox(key="f_reason").select("review_money_change").run()
    at.switch_page("pages/audit.py").run()
    at.switch_page("pages/queue.py").run()
    assert texts(at, "metric") == ["5"]
    assert at.text_input(key="reviewer_input").value == "Alice"


def test_review_next_opens_the_top_item_and_claims_it(store_url: str) -> None:
    at = app()
    at.button[0].click().run()
    no_exception(at)
    assert texts(at, "title") == ["Call dn-2025-03-0006"]
    assert item_row(service(store_url), "dn-2025-03-0006")["claimed_by"] == "Alice"


def test_item_page_shows_evidence_fields_match_decision_and_payload(store_url: str) -> None:
    svc = service(store_url)
    at = app()
    at = open_item(at, item_of(svc, "dn-2025-03-0005"))
    no_exception(at)
    page = " ".join(texts(at, "markdown") + texts(at, "caption") + texts(at, "subheader"))
    assert "Without the review rules this call would be: **create**" in page
    assert "review_sensitive_data" in page
    html = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "<mark" in html and 'id="ev-caller_name"' in html
    assert "4532" not in html and "card number ending 0366" in html  # masked on screen
    assert "share_on_create" in page
    at.selectbox(key=f"show-{item_of(svc, 'dn-2025-03-0005')}").select("caller_name").run()
    assert any("Sophie Laurent" in text for text in texts(at, "markdown"))


def test_approve_button_queues_the_action_and_opens_the_next_item(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    at = open_item(app(), item)
    at.button(key=f"approve-{item}").click().run()
    no_exception(at)
    assert any("Approved dn-2025-03-0001" in text for text in texts(at, "success"))
    assert texts(at, "title") != ["Call dn-2025-03-0001"]
    assert [r["action"] for r in outbox_rows(svc, REFUND)] == ["create_subscriber"]
    (audit,) = audit_rows(svc, REFUND)
    assert (audit["reviewer"], audit["action"]) == ("Alice", "approve")


def test_edit_then_approve_shows_the_new_decision_before_confirming(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, LOW_INTENT)
    at = open_item(app(), item)
    at.selectbox(key=f"e-{item}-intent").select("product_inquiry")
    at.button(key=f"FormSubmitter:edit-{item}-Check the edit and preview").click().run()
    no_exception(at)
    assert any("intent: purchase_intent → product_inquiry" in t for t in texts(at, "markdown"))
    assert any("Decision **create**" in t for t in texts(at, "markdown"))
    assert outbox_rows(svc, LOW_INTENT) == []  # nothing written by the preview
    at.button(key=f"confirm-{item}").click().run()
    no_exception(at)
    (audit,) = audit_rows(svc, LOW_INTENT)
    assert audit["action"] == "edit"
    assert audit["changes"] == [
        {"field": "intent", "old": "purchase_intent", "new": "product_inquiry"}
    ]
    assert len(outbox_rows(svc, LOW_INTENT)) == 1


def test_an_edit_that_still_needs_review_is_flagged_in_the_preview(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    at = open_item(app(), item)
    at.selectbox(key=f"e-{item}-urgency").select("high")
    at.button(key=f"FormSubmitter:edit-{item}-Check the edit and preview").click().run()
    assert any("Still needs review for: review_money_change" in w for w in texts(at, "warning"))


def test_reject_stores_the_reason_and_sends_nothing(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    at = open_item(app(), item)
    at.selectbox(key=f"reject-reason-{item}").select("duplicate")
    at.text_area(key=f"reject-text-{item}").input("same as ticket 88")
    at.button(key=f"reject-{item}").click().run()
    no_exception(at)
    assert any("Rejected dn-2025-03-0001" in text for text in texts(at, "success"))
    assert outbox_rows(svc, REFUND) == []
    (audit,) = audit_rows(svc, REFUND)
    assert (audit["action"], audit["reject_reason"], audit["note"]) == (
        "reject",
        "duplicate",
        "same as ticket 88",
    )
    assert item_row(svc, REFUND)["state"] == ReviewState.REJECTED


def test_a_second_reviewer_sees_who_holds_the_item_and_cannot_act(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    open_item(app("Alice"), item)
    at = open_item(app("Bob"), item)
    assert any("Alice is reviewing this call" in w for w in texts(at, "warning"))
    assert at.button(key=f"approve-{item}").disabled
    assert item_row(svc, REFUND)["claimed_by"] == "Alice"


def test_a_stale_page_cannot_overwrite_a_newer_action(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    at = open_item(app("Alice"), item)  # Alice's page shows version 1
    svc.release(item, "Alice")
    svc.reject(item, "Bob", 1, "handled_elsewhere")  # Bob acts meanwhile
    at.button(key=f"approve-{item}").click().run()
    no_exception(at)
    assert any("Bob already rejected" in e for e in texts(at, "error"))
    assert outbox_rows(svc, REFUND) == []
    assert [a["reviewer"] for a in audit_rows(svc, REFUND)] == ["Bob"]


def test_no_action_without_a_reviewer_name(store_url: str) -> None:
    svc = service(store_url)
    item = item_of(svc, REFUND)
    at = open_item(app(reviewer=None), item)
    assert any("Set your name" in w for w in texts(at, "warning"))
    assert at.button(key=f"approve-{item}").disabled
    assert item_row(svc, REFUND)["claimed_by"] is None


def test_audit_and_agreement_pages_show_the_actions(store_url: str) -> None:
    svc = service(store_url)
    svc.approve(item_of(svc, LOW_INTENT), "Alice", 1, edits={"intent": "product_inquiry"})
    at = app()
    at.switch_page("pages/audit.py").run()
    no_exception(at)
    log = at.dataframe[0].value
    assert (
        list(log["reviewer"]) == ["Alice"]
        and "intent: purchase_intent -> product_inquiry" in (log["changed"][0])
    )
    at.switch_page("pages/agreement.py").run()
    no_exception(at)
    table = at.dataframe[0].value
    intent = table[table["field"] == "Intent"].iloc[0]
    assert (intent["reviewed values"], intent["changed"]) == (1, 1)


@pytest.mark.parametrize("page", ["eval_runs", "eval_run", "eval_compare"])
def test_eval_pages_render_the_stored_runs(store_url: str, page: str) -> None:
    at = app()
    at.switch_page(f"pages/{page}.py").run()
    no_exception(at)
    if page == "eval_runs":
        assert set(at.dataframe[0].value["label"]) == {"run A", "run B"}
    elif page == "eval_run":
        at.radio(key="eval_outcome").set_value("wrong").run()
        assert len(at.dataframe[1].value) >= 1
    else:
        # item a: intent right → wrong; b: intent and decision wrong → right; c: intent wrong →
        # differently wrong and its decision right → wrong (a wrong create on a cancellation)
        assert texts(at, "metric") == ["3", "2", "2", "1"]
        changed = at.dataframe[-1].value
        assert list(changed["item"]) == ["c", "a", "b"]
        assert list(changed["cost effect"]) == [10.0, 0.0, -0.5]


def test_item_page_of_a_purged_call_says_when_its_transcript_was_purged(store_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from callhandoff.store.retention import purge_before
    from callhandoff.store.tables import transcript_versions

    svc = service(store_url)
    now = datetime.now(UTC)
    with svc.engine.begin() as connection:
        connection.execute(
            sa.update(transcript_versions)
            .where(transcript_versions.c.call_id == REFUND)
            .values(created_at=now - timedelta(days=40))
        )
    assert purge_before(svc.engine, now - timedelta(days=30), now).versions == 1
    at = open_item(app(), item_of(svc, REFUND))
    no_exception(at)
    assert any(text.startswith("Transcript purged on ") for text in texts(at, "info"))

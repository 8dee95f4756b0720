"""The reviewer app in a real browser: `callhandoff ui` served on loopback, Debian's chromium
headless, through the queue to a call and an approval; the page and the store agree."""

from __future__ import annotations

from pathlib import Path

from callhandoff.store.rows import ReviewState
from tests.review.helpers import audit_rows, item_row, outbox_rows, service
from tests.ui.browser import chromium_page, running_ui, set_reviewer

CARD = "dn-2025-03-0005"  # the call where a card number was read out


def test_queue_to_item_to_approve_in_chromium(store_url: str, tmp_path: Path) -> None:
    with running_ui(store_url) as base, chromium_page() as page:
        page.goto(base, wait_until="networkidle")
        page.get_by_text("Review queue").first.wait_for(timeout=30_000)
        page.get_by_text("Awaiting review").first.wait_for()
        set_reviewer(page, "Browser Reviewer")
        search = page.get_by_role("textbox", name="Search")
        search.fill("Sophie Laurent")  # the queue's text search, then the top of what it finds
        search.press("Enter")
        page.locator('[data-testid="glide-cell-1-1"]').wait_for(state="detached", timeout=30_000)
        page.get_by_role("button", name="Review next").click()
        page.get_by_role("heading", name=f"Call {CARD}").wait_for(timeout=30_000)
        masked = page.locator("mark").filter(has_text="[redacted card number ending 0366]").first
        masked.wait_for()
        assert "four five three two" not in page.content()  # the card said on the call
        assert page.get_by_text("You hold this call").first.is_visible()
        page.get_by_role("button", name="Approve", exact=True).click()
        page.get_by_text(f"Approved {CARD}").wait_for(timeout=30_000)
        shot = tmp_path / "approved.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svc = service(store_url)
    assert item_row(svc, CARD)["state"] == ReviewState.APPROVED
    assert [r["action"] for r in outbox_rows(svc, CARD)] == ["share_on_create"]
    assert [(a["reviewer"], a["action"]) for a in audit_rows(svc, CARD)] == [
        ("Browser Reviewer", "approve")
    ]

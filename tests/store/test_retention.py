"""Retention: a purge removes the words of old calls, marks them, and keeps every decision.

Run on the example calls as `process` stores them, with some calls aged past retention.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.review.service import ReviewService
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.store import review_queue
from callhandoff.store.db import applied_migrations, open_store
from callhandoff.store.history import call_history
from callhandoff.store.retention import PURGED, purge_before, purged_json
from callhandoff.store.tables import (
    calls,
    decisions,
    extractions,
    outbox,
    review_actions,
    review_items,
    transcript_versions,
)
from tests.review.fixtures import store_template, store_url

__all__ = ["store_template", "store_url"]
NOW = datetime.now(UTC) + timedelta(days=1)
OLD = ["dn-2025-03-0001", "dn-2025-03-0005", "dn-2025-03-0007"]  # review, review, update


def _age(engine: Engine, call_ids: list[str], days: int = 40) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.update(transcript_versions)
            .where(transcript_versions.c.call_id.in_(call_ids))
            .values(created_at=NOW - timedelta(days=days))
        )


def _rows(engine: Engine, table: sa.Table, where: Any = sa.true()) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        key = next(iter(table.primary_key.columns))
        found = connection.execute(sa.select(table).where(where).order_by(key))
        return [dict(row) for row in found.mappings()]


def _quotes(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [q for k, v in node.items() for q in ([v] if k == "quote" else _quotes(v))]
    if isinstance(node, list):
        return [q for item in node for q in _quotes(item)]
    return []


def test_a_store_from_before_retention_gets_its_purge_columns(
    store_template: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(store_template, copy)
    with sa.create_engine(f"sqlite:///{copy}").begin() as connection:  # as before m0004
        connection.execute(sa.text("DROP INDEX ix_versions_retention"))
        for table in ("transcript_versions", "extractions", "review_items"):
            connection.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN purged_at"))
        connection.execute(sa.text("DELETE FROM _migrations WHERE name = 'm0004_retention'"))
    engine = open_store(f"sqlite:///{copy}")
    assert "m0004_retention" in applied_migrations(engine)
    assert all(v["purged_at"] is None for v in _rows(engine, transcript_versions))
    _age(engine, OLD)
    assert purge_before(engine, NOW - timedelta(days=30), NOW).versions == 3


def test_a_purge_removes_the_words_of_old_calls_and_marks_them(store_url: str) -> None:
    engine = open_store(store_url)
    _age(engine, OLD)
    before = {table.name: _rows(engine, table) for table in (calls, decisions, outbox)}
    links = {
        v["call_id"]: v["transcript"].get("links")
        for v in _rows(engine, transcript_versions, transcript_versions.c.call_id.in_(OLD))
    }
    report = purge_before(engine, NOW - timedelta(days=30), NOW)
    assert (report.versions, sorted(report.calls)) == (3, sorted(OLD))
    assert report.extractions == 3 and report.review_items == 2 and report.outbox_rows == 1
    assert report.decisions == 3
    old_versions = _rows(engine, transcript_versions, transcript_versions.c.call_id.in_(OLD))
    for version in old_versions:
        transcript = Transcript.model_validate(version["transcript"])
        assert [turn.text for turn in transcript.turns] == [PURGED]
        assert transcript.caller_phone is None
        assert transcript.model_dump(mode="json")["links"] == links[version["call_id"]]
        assert version["purged_at"] == NOW
    for row in _rows(engine, extractions):
        if row["version_id"] in {v["id"] for v in old_versions}:
            handoff = Handoff.model_validate(row["handoff"])
            assert set(_quotes(row["handoff"])) == {PURGED}
            assert handoff.summary == PURGED and row["purged_at"] == NOW
            assert handoff.request.intent is not None  # the values stay
        else:
            assert PURGED not in json.dumps(row["handoff"]) and row["purged_at"] is None
    items = _rows(engine, review_items, review_items.c.call_id.in_(OLD))
    assert items and all(item["purged_at"] == NOW for item in items)
    cards = {item["decision_id"] for item in items}
    for decision in _rows(engine, decisions):
        old = next(d for d in before["decisions"] if d["id"] == decision["id"])
        purged = decision["version_id"] in {v["id"] for v in old_versions}
        # the decision stays, its action loses the words (a review item's card is in it)
        assert {k: v for k, v in decision.items() if k != "action"} == {
            k: v for k, v in old.items() if k != "action"
        }
        assert (decision["action"] != old["action"]) == (
            purged and PURGED in json.dumps(decision["action"])
        )
        if decision["id"] in cards:
            assert decision["action"]["payload"]["card"]["summary"] == PURGED
            assert set(_quotes(decision["action"])) <= {PURGED}
        if not purged:
            assert PURGED not in json.dumps(decision["action"])
    # the calls and outbox states are exactly as they were
    assert _rows(engine, calls) == before["calls"]
    after = _rows(engine, outbox)
    assert [(r["id"], r["state"], r["attempts"]) for r in after] == [
        (r["id"], r["state"], r["attempts"]) for r in before["outbox"]
    ]
    fresh = _rows(engine, transcript_versions, transcript_versions.c.call_id.not_in(OLD))
    assert fresh and all(v["purged_at"] is None for v in fresh)
    assert purge_before(engine, NOW - timedelta(days=30), NOW).versions == 0  # done once


def test_a_dry_run_counts_and_changes_nothing(store_url: str) -> None:
    engine = open_store(store_url)
    _age(engine, OLD)
    stored = _rows(engine, transcript_versions)
    report = purge_before(engine, NOW - timedelta(days=30), NOW, dry_run=True)
    assert report.dry_run and report.versions == 3 and sorted(report.calls) == sorted(OLD)
    small = purge_before(engine, NOW - timedelta(days=30), NOW, dry_run=True, batch=2)
    assert (small.versions, small.extractions, small.calls) == (3, 3, report.calls)
    assert _rows(engine, transcript_versions) == stored


def test_explain_and_the_review_page_say_when_the_transcript_was_purged(store_url: str) -> None:
    from callhandoff.routing.explain import explain_call

    engine = open_store(store_url)
    _age(engine, OLD)
    purge_before(engine, NOW - timedelta(days=30), NOW)
    text = explain_call(call_history(engine, "dn-2025-03-0001"))
    assert f"Transcript purged on {NOW:%Y-%m-%d %H:%M} UTC" in text
    assert "Decision: REVIEW" in text and "Why:" in text
    assert "Transcript purged" not in explain_call(call_history(engine, "dn-2025-03-0002"))
    svc = ReviewService(engine, Settings(database_url=store_url))
    item = review_queue.open_item_of(engine, "dn-2025-03-0001")
    assert item is not None
    view = svc.view(item, "Alice")
    assert view.context.purged_at == NOW
    assert [turn.html for turn in view.turns] == ["[transcript purged]"]
    result = svc.approve(item, "Alice", view.context.item.version)  # still decidable
    assert result.sent_action == "create_subscriber"


def test_the_audit_trail_keeps_its_rows_without_the_words(store_url: str) -> None:
    engine = open_store(store_url)
    svc = ReviewService(engine, Settings(database_url=store_url))
    item = review_queue.open_item_of(engine, "dn-2025-03-0001")
    assert item is not None
    svc.approve(item, "Alice", 1)
    _age(engine, ["dn-2025-03-0001"])
    report = purge_before(engine, NOW - timedelta(days=30), NOW)
    assert report.review_actions == 1
    (audit,) = _rows(engine, review_actions)
    assert (audit["reviewer"], audit["action"]) == ("Alice", "approve")
    assert set(_quotes(audit["handoff"])) == {PURGED}


def test_purged_json_replaces_the_words_and_keeps_the_values() -> None:
    said = {
        "records": {"order_id": {"value": "HH-1", "evidence": {"turn": 1, "quote": "HH-1"}}},
        "follow_up": {"promise": {"value": "We call you Friday", "evidence": None}},
        "grounding": {"dropped": [{"field": "email", "value": "x@y.z", "reason": "r"}]},
        "summary": "Maria wants a refund.",
        "next_step": "",
        "field_changes": [{"field": "address", "new_value": "1 Elm St", "reason": None}],
    }
    assert purged_json(said) == {
        "records": {"order_id": {"value": "HH-1", "evidence": {"turn": 1, "quote": PURGED}}},
        "follow_up": {"promise": {"value": PURGED, "evidence": None}},
        "grounding": {"dropped": [{"field": "email", "value": PURGED, "reason": "r"}]},
        "summary": PURGED,
        "next_step": "",
        "field_changes": [{"field": "address", "new_value": "1 Elm St", "reason": None}],
    }


def test_a_call_purged_before_the_card_moved_to_its_decision_stays_purged(
    store_template: Path, tmp_path: Path
) -> None:
    """Before m0008 a purge cleaned the review item's copy of the card only."""
    copy = tmp_path / "old.db"
    shutil.copyfile(store_template, copy)
    call_id = OLD[1]
    with sa.create_engine(f"sqlite:///{copy}").begin() as connection:  # as before m0008
        connection.execute(
            sa.text("ALTER TABLE review_items ADD COLUMN payload JSON NOT NULL DEFAULT '{}'")
        )
        connection.execute(  # the old purge: version stamped, the item's card cleaned
            sa.text(
                "UPDATE transcript_versions SET purged_at = '2025-01-01 00:00:00' "
                "WHERE call_id = :call_id"
            ),
            {"call_id": call_id},
        )
        connection.execute(sa.text("DELETE FROM _migrations WHERE name = 'm0008_review_card'"))
    before = _rows(open_engine_without_upgrade(copy), decisions)
    engine = open_store(f"sqlite:///{copy}")
    assert "m0008_review_card" in applied_migrations(engine)
    for decision in _rows(engine, decisions):
        old = next(d for d in before if d["id"] == decision["id"])
        if decision["call_id"] == call_id:
            assert decision["action"]["payload"]["card"]["summary"] == PURGED
            assert set(_quotes(decision["action"])) <= {PURGED}
        else:
            assert decision["action"] == old["action"]
    (row,) = [
        r
        for r in review_queue.page(engine, review_queue.QueueFilter(), NOW, number=0, size=50)
        if r.call_id == call_id
    ]
    assert row.summary == PURGED


def open_engine_without_upgrade(path: Path) -> Engine:
    """The store as it is on disk, no migration applied."""
    return sa.create_engine(f"sqlite:///{path}")

"""The review queue's store side: the m0006 upgrade of an older store, filters and claims."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from callhandoff.store import review_queue
from callhandoff.store.db import applied_migrations, open_store
from callhandoff.store.review_queue import QueueFilter, queue_columns
from tests.review.fixtures import store_template, store_url

__all__ = ["store_template", "store_url"]
NOW = datetime.now(UTC) + timedelta(seconds=5)


def test_an_older_store_gets_queue_columns_and_reason_rows(
    store_template: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "old.db"
    shutil.copyfile(store_template, copy)
    with sa.create_engine(f"sqlite:///{copy}").begin() as connection:  # as before m0006
        connection.execute(  # the card each item kept until m0008
            sa.text("ALTER TABLE review_items ADD COLUMN payload JSON NOT NULL DEFAULT '{}'")
        )
        connection.execute(
            sa.text(
                "UPDATE review_items SET payload = (SELECT json_extract(d.action, '$.payload') "
                "FROM decisions d WHERE d.id = review_items.decision_id)"
            )
        )
        connection.execute(sa.text("DROP TABLE review_field_checks"))
        connection.execute(sa.text("DROP TABLE review_actions"))
        connection.execute(sa.text("DROP TABLE review_item_reasons"))
        connection.execute(sa.text("DROP INDEX ix_review_items_queue"))
        for column in ("version", "claimed_by", "claimed_until", "priority_score", "intent",
                       "search_text"):  # fmt: skip
            connection.execute(sa.text(f"ALTER TABLE review_items DROP COLUMN {column}"))
        connection.execute(
            sa.text("DELETE FROM _migrations WHERE name IN ('m0006_review', 'm0008_review_card')")
        )
    engine = open_store(f"sqlite:///{copy}")
    assert {"m0006_review", "m0008_review_card"} <= set(applied_migrations(engine))
    counts = review_queue.counts(engine, QueueFilter(), NOW)
    assert counts.total == 11 and counts.by_reason["review_money_change"] == 5
    top = review_queue.page(engine, QueueFilter(), NOW, number=0, size=1)[0]
    assert (top.call_id, top.priority_score, top.version) == ("dn-2025-03-0006", 65, 1)
    assert top.caller and top.summary  # from the card, now read from the item's decision


def test_filters_combine_and_search_finds_ids_however_written(store_url: str) -> None:
    engine = open_store(store_url)

    def calls(**wanted: object) -> set[str]:
        rows = review_queue.page(engine, QueueFilter(**wanted), NOW, number=0, size=50)  # type: ignore[arg-type]
        return {row.call_id for row in rows}

    assert calls(text="HH100234") == calls(text="hh-100234") == {"dn-2025-03-0001"}
    assert calls(text="maria o'connell") == {"dn-2025-03-0001"}
    assert calls(destination="cults", intent="refund") == {"dn-2025-03-0009"}
    assert calls(older_than=timedelta(days=1)) == set()
    assert len(calls(newer_than=timedelta(days=1))) == 11


def test_pages_follow_priority_then_age(store_url: str) -> None:
    engine = open_store(store_url)
    first = review_queue.page(engine, QueueFilter(), NOW, number=0, size=4)
    second = review_queue.page(engine, QueueFilter(), NOW, number=1, size=4)
    scores = [row.priority_score for row in first + second]
    assert scores == sorted(scores, reverse=True)
    assert not {row.id for row in first} & {row.id for row in second}


def test_next_open_skips_items_someone_else_holds(store_url: str) -> None:
    engine = open_store(store_url)
    top = review_queue.next_open(engine, QueueFilter(), "Bob", NOW)
    assert top is not None
    review_queue.claim(engine, top, "Alice", NOW, NOW + timedelta(minutes=10))
    assert review_queue.next_open(engine, QueueFilter(), "Bob", NOW) != top
    assert review_queue.next_open(engine, QueueFilter(), "Alice", NOW) == top
    review_queue.release(engine, top, "Alice")
    assert review_queue.next_open(engine, QueueFilter(), "Bob", NOW) == top


def test_queue_columns_from_the_stored_json() -> None:
    columns = queue_columns(
        "dn-1",
        {"caller": {"name": {"value": "Chloé O'Dea"}}, "request": {"intent": {"value": "refund"}},
         "records": {"order_id": {"value": "ORD-2024-0042"}}},
        {"customer_id": "C-9"},
        {"score": 40},
        None,
    )  # fmt: skip
    assert (columns.priority_score, columns.intent) == (40, "refund")
    for key in ("chloe odea", "ord20240042", "c9", "dn1"):
        assert key in columns.search_text

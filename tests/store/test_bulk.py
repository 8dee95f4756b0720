"""Bulk inserts write the rows SQLAlchemy's own insert writes, and find their new ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from callhandoff.store.bulk import IN_CHUNK, BulkInsert, new_ids
from callhandoff.store.db import open_store
from callhandoff.store.intake import IntakeState
from callhandoff.store.tables import calls, inbound_calls
from callhandoff.store.writes import JsonText

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
LATER = datetime(2025, 3, 14, 11, 45, 7, 123456, tzinfo=UTC)


def _calls(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "call_id": f"{prefix}-{i}",
            "destination": "cloudcart",
            "store": None if i % 2 else "demo",
            "current_version": 1,
            "first_seen_at": NOW if i % 2 else NOW.astimezone(ZoneInfo("Asia/Kolkata")),
            "last_seen_at": NOW + timedelta(minutes=i),
        }
        for i in range(n)
    ]


def _inbound(call_ids: list[str]) -> list[dict[str, Any]]:
    eastern = LATER.astimezone(ZoneInfo("America/New_York"))
    return [
        {
            "webhook_id": f"wh-{call_id}",
            "call_id": call_id,
            "state": IntakeState.RECEIVED,
            "transcript": {"turns": [{"speaker": "customer", "text": "Zoë, order 12"}], "n": i}
            if i % 2
            else JsonText('{"turns": [], "n": 0}'),
            "content_hash": "0" * 64,
            "response": {"ok": True, "retry": None},
            "attempts": 0,
            "lease_owner": None,
            "lease_until": None if i % 2 else eastern,  # stored as UTC like any aware datetime
            "received_at": LATER,
            "updated_at": NOW,
        }
        for i, call_id in enumerate(call_ids)
    ]


def _read(engine: sa.engine.Engine, table: sa.Table, prefix: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(table)
            .where(table.c.call_id.like(f"{prefix}-%"))
            .order_by(*table.primary_key.columns)
        ).mappings()
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def test_rows_read_back_as_sqlalchemys_insert_writes_them(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.begin() as connection:
        connection.execute(calls.insert(), _calls("plain", 5))
        connection.execute(inbound_calls.insert(), _inbound([f"plain-{i}" for i in range(5)]))
        BulkInsert(calls).execute(connection, _calls("bulk", 5))
        BulkInsert(inbound_calls).execute(connection, _inbound([f"bulk-{i}" for i in range(5)]))

    def renamed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v.replace("bulk-", "plain-") if isinstance(v, str) else v for k, v in row.items()}
            for row in rows
        ]

    for table in (calls, inbound_calls):
        plain, bulk = _read(engine, table, "plain"), _read(engine, table, "bulk")
        assert len(plain) == 5 and renamed(bulk) == plain
    first, second = _read(engine, inbound_calls, "bulk")[:2]
    assert first["lease_until"] == LATER and second["received_at"] == LATER
    assert first["transcript"] == {"turns": [], "n": 0}


def test_a_naive_time_is_refused_after_an_aware_one_of_the_same_clock_time(
    tmp_path: Any,
) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'naive.db'}")
    rows = _calls("n", 2)
    rows[1]["first_seen_at"] = NOW.replace(tzinfo=None)
    with engine.begin() as connection, pytest.raises(ValueError, match="naive"):
        BulkInsert(calls).execute(connection, rows)


def test_new_ids_come_back_in_the_order_asked_across_in_lists(store_url: str) -> None:
    engine = open_store(store_url)
    rows = _inbound([f"many-{i}" for i in range(IN_CHUNK + 50)])
    with engine.begin() as connection:
        BulkInsert(inbound_calls).execute(connection, rows)
        wanted = [row["webhook_id"] for row in reversed(rows)]
        ids = new_ids(connection, inbound_calls, "webhook_id", wanted)
        read = connection.execute(sa.select(inbound_calls.c.webhook_id, inbound_calls.c.id))
        stored = dict(read.all())
    assert ids == [stored[webhook_id] for webhook_id in wanted]
    assert len(set(ids)) == len(rows)


def test_an_insert_tells_the_ids_of_its_rows_in_their_order(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.begin() as connection:
        BulkInsert(inbound_calls).execute(connection, _inbound(["before-1", "before-2"]))
        ids = BulkInsert(inbound_calls).execute_for_ids(
            connection, _inbound([f"ids-{i}" for i in range(70)]), "webhook_id"
        )
        found = connection.execute(sa.select(inbound_calls.c.call_id, inbound_calls.c.id))
        stored = dict(found.all())
    assert ids == [stored[f"ids-{i}"] for i in range(70)]


def test_ids_set_by_the_rows_themselves_are_read_back_through_the_key(tmp_path: Any) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    rows = [
        {**row, "id": row_id} for row, row_id in zip(_inbound(["x", "y"]), [90, 40], strict=True)
    ]
    with engine.begin() as connection:
        ids = BulkInsert(inbound_calls).execute_for_ids(connection, rows, "webhook_id")
    assert ids == [90, 40]  # not consecutive: found through the key


def test_a_key_two_rows_share_is_an_error_not_a_guess(tmp_path: Any) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as connection:
        BulkInsert(inbound_calls).execute(connection, _inbound(["twice-1", "twice-2"]))
        with pytest.raises(ValueError, match="two rows have content_hash = '0000"):
            new_ids(connection, inbound_calls, "content_hash", ["0" * 64])


def test_rows_that_set_different_columns_are_refused(tmp_path: Any) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    rows = _calls("odd", 2)
    del rows[1]["store"]
    with engine.begin() as connection, pytest.raises(ValueError, match="different columns"):
        BulkInsert(calls).execute(connection, rows)


def test_a_column_whose_default_python_computes_must_be_set() -> None:
    """`insert()` would fill it in; a bulk insert says so rather than write NULL or fail
    in the driver."""
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.String),
        sa.Column("b", sa.String, default="filled"),
    )
    engine = sa.create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        with pytest.raises(ValueError, match=r"t: the rows do not set \['b'\]"):
            BulkInsert(table).execute(connection, [{"a": "x"}])
        BulkInsert(table).execute(connection, [{"a": "x", "b": "y"}])
        assert connection.execute(sa.select(table.c.a, table.c.b)).all() == [("x", "y")]

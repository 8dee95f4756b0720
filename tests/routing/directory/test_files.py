"""Loading the store directory from CSV or JSON: what loads, what is refused and why."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.routing.directory.files import read_directory
from callhandoff.store.directory import directory_stats, load_directory
from callhandoff.store.tables import customers, order_items, orders
from tests.routing.helpers import FIXTURES, STORE

UTC_ZONE = ZoneInfo("UTC")


def _load(engine: Engine, path: Path) -> tuple[dict[str, int], list[str]]:
    report = load_directory(engine, read_directory(path, regions=["US"], tz=UTC_ZONE))
    return report.written, [str(e) for e in report.errors]


def test_csv_folder_loads_every_table(empty_engine: Engine) -> None:
    written, errors = _load(empty_engine, STORE)
    assert errors == []
    assert written == {"customers": 6, "orders": 6, "order_items": 6, "products": 5, "bookings": 1}
    with empty_engine.connect() as connection:
        row = (
            connection.execute(sa.select(orders).where(orders.c.order_id == "A-100101"))
            .mappings()
            .one()
        )
    assert row["order_key"] == "A100101"
    assert row["order_digits"] == "100101"
    assert row["delivered_at"].tzinfo is not None
    assert row["total"] == 60.0


def test_json_directory_loads_the_same_content_as_csv(tmp_path: Path, empty_engine: Engine) -> None:
    from callhandoff.store.db import open_store

    _load(empty_engine, STORE)
    other = open_store(f"sqlite:///{tmp_path / 'json.db'}")
    written, errors = _load(other, FIXTURES / "json_store")
    assert errors == []
    assert written["order_items"] == 6
    assert directory_stats(other) == directory_stats(empty_engine)
    with empty_engine.connect() as a, other.connect() as b:
        query = sa.select(customers).order_by(customers.c.customer_id)
        strip = lambda rows: [{k: v for k, v in r.items() if k != "loaded_at"} for r in rows]  # noqa: E731
        assert strip(a.execute(query).mappings().all()) == strip(b.execute(query).mappings().all())


def test_loading_twice_replaces_records_instead_of_duplicating(empty_engine: Engine) -> None:
    _load(empty_engine, STORE)
    _load(empty_engine, STORE)
    with empty_engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 6
        assert connection.execute(sa.select(sa.func.count()).select_from(order_items)).scalar() == 6


def test_bad_rows_are_refused_with_file_line_and_problem_and_the_rest_loads(
    empty_engine: Engine,
) -> None:
    written, errors = _load(empty_engine, FIXTURES / "bad_store")
    bad = FIXTURES / "bad_store"
    assert written["customers"] == 1
    assert written["orders"] == 1
    assert written["order_items"] == 1
    assert written["products"] == 0
    expected = [
        f"{bad / 'customers.csv'}:3: 'phone': '12' is not a phone number",
        f"{bad / 'customers.csv'}:4: 'destination': 'shopify' is not a destination",
        f"{bad / 'customers.csv'}:5: 'email': 'not-an-email' is not an email address",
        f"{bad / 'customers.csv'}:6: duplicate customer_id 'C-1' "
        f"(first at {bad / 'customers.csv'}:2)",
        f"{bad / 'orders.csv'}:3: order refers to customer_id 'C-404'",
        f"{bad / 'orders.csv'}:4: 'total': Input should be greater than or equal to 0",
        f"{bad / 'order_items.csv'}:3: item refers to order_id 'A-999999'",
        f"{bad / 'order_items.csv'}:4: 'quantity': Input should be greater than or equal to 1",
        f"{bad / 'products.csv'}:1: header lacks required column(s) name",
    ]
    for text in expected:
        assert any(error.startswith(text) for error in errors), (text, errors)
    assert "'vip': 'maybe' is not true/false" in " ".join(errors)
    assert len(errors) == len(expected)


def test_invalid_json_names_the_line(tmp_path: Path, empty_engine: Engine) -> None:
    path = tmp_path / "directory.json"
    path.write_text('{"customers": [\n  {"customer_id": "C-1",}\n]}\n', encoding="utf-8")
    _, errors = _load(empty_engine, path)
    assert errors and errors[0].startswith(f"{path}:2: invalid JSON")


def test_json_rows_are_located_by_line_and_nested_item(
    tmp_path: Path, empty_engine: Engine
) -> None:
    path = tmp_path / "directory.json"
    path.write_text(
        '{"customers": [\n'
        '  {"customer_id": "C-1", "store": "s", "destination": "cults"},\n'
        '  {"customer_id": "C-2", "store": "s", "destination": "mars"}\n'
        "],\n"
        ' "orders": [\n'
        '  {"order_id": "O-123456", "customer_id": "C-1", "store": "s", "destination": "cults",\n'
        '   "status": "paid", "total": 5, "items": [{"sku": "X", "quantity": 0}]}\n'
        "]}\n",
        encoding="utf-8",
    )
    written, errors = _load(empty_engine, path)
    assert written["customers"] == 1 and written["orders"] == 1 and written["order_items"] == 0
    assert errors[0].startswith(f"{path}:3: 'destination': 'mars' is not a destination")
    assert errors[1].startswith(f"{path}:6: items[0]: 'quantity'")


def test_a_missing_path_is_reported(empty_engine: Engine, tmp_path: Path) -> None:
    _, errors = _load(empty_engine, tmp_path / "nope")
    assert errors == [f"{tmp_path / 'nope'}: no such file or folder"]


def test_the_demo_directory_loads_without_refusals(empty_engine: Engine) -> None:
    demo = Path(__file__).resolve().parents[3] / "examples" / "store"
    if not (demo / "customers.csv").exists():
        pytest.skip("examples/store is not there")
    written, errors = _load(empty_engine, demo)
    assert errors == []
    assert written["customers"] > 0 and written["orders"] > 0 and written["order_items"] > 0

"""Matching a batch of calls: what each call alone would get, from a few directory reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from callhandoff.normalize import name_key
from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.match import Matcher
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from callhandoff.store.lookup import SHARED_CONTACT_LIMIT, DirectoryLookup
from callhandoff.store.tables import customers, orders
from tests.routing.helpers import REFERENCE, STORE, Call, make_call

LOADED = datetime(2025, 3, 1, tzinfo=UTC)

#: Calls that take every road through the matcher: order id (exact, punctuation, digits,
#: unknown, another destination's), booking, customer id, phone, shared phone, e-mail,
#: caller ID, fuzzy name with and without a product, SKUs known and unknown, product names.
CALLS = [
    make_call("c01", order_id="A-100101"),
    make_call("c02", order_id="a 100101", email="alice@example.com"),
    make_call("c03", order_id="100104"),
    make_call("c04", order_id="A-555555"),
    make_call("c05", "cults", order_id="A-100101"),
    make_call("c06", "cults", order_id="B-200202", intent="return_or_exchange"),
    make_call("c07", order_id="A-100101", skus=["SKU-LAMP", "sku mug", "SKU-NOPE"]),
    make_call("c08", order_id="A-100101", email="carol@example.com"),
    make_call("c09", intent="booking", booking_id="bk 7001"),
    make_call("c10", customer_id=" C-2 "),
    make_call("c11", customer_id="C-404"),
    make_call("c12", phone="(415) 555-0101"),
    make_call("c13", phone="+14155550103"),
    make_call("c14", phone="+14155550103", name="Dan Stone"),
    make_call("c15", email="BOB@example.com"),
    make_call("c16", email="alice@example.com", products=["table lamp"]),
    make_call("c17", caller_phone="+14155550101"),
    make_call("c18", name="Alise Moreau", products=["ceramic mug"]),
    make_call("c19", name="Alise Moreau"),
    make_call("c20", intent="product_inquiry", skus=["SKU-LAMP"]),
    make_call("c21", "cults", intent="product_inquiry", products=["painted knight figurine"]),
    make_call("c22", order_id="A-100101", other_order_ids=["A-100102"]),
]


def _alone(engine: Engine, calls: Sequence[Call]) -> list[MatchOutcome]:
    with engine.connect() as connection:
        matcher = Matcher(DirectoryLookup())
        return [matcher.match(connection, c.handoff, c.transcript, REFERENCE) for c in calls]


def _together(engine: Engine, calls: Sequence[Call]) -> list[MatchOutcome]:
    with engine.connect() as connection:
        return Matcher(DirectoryLookup()).match_many(
            connection, [(c.handoff, c.transcript, REFERENCE) for c in calls]
        )


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def any_engine(store_url: str) -> Iterator[Engine]:
    """The fixture directory on SQLite and on PostgreSQL."""
    engine = open_store(store_url)
    load_directory(engine, read_directory(STORE, regions=["US"], tz=ZoneInfo("UTC")))
    yield engine
    engine.dispose()


def _add_order(engine: Engine, order_id: str, key: str, digits: str) -> None:
    row = {"order_key": key, "order_digits": digits, "customer_id": "C-2", "store": "shop-a"}
    row |= {"destination": "cloudcart", "status": "paid", "total": 10.0, "loaded_at": LOADED}
    with engine.begin() as connection:
        connection.execute(orders.insert(), {"order_id": order_id, **row})


def _add_customers(engine: Engine, names: Sequence[str], phone: str, prefix: str = "S") -> None:
    with engine.begin() as connection:
        connection.execute(
            customers.insert(),
            [
                {
                    "customer_id": f"{prefix}-{i:03d}",
                    "store": "shop-a",
                    "destination": "cloudcart",
                    "name": name,
                    "name_key": name_key(name),
                    "phone": phone,
                    "vip": False,
                    "loaded_at": LOADED,
                }
                for i, name in enumerate(names)
            ],
        )


def test_a_batch_matches_every_call_as_it_would_be_matched_alone(any_engine: Engine) -> None:
    engine = any_engine
    together = _together(engine, CALLS)
    assert together == _alone(engine, CALLS)
    assert [o.match.order_id for o in together[:4]] == ["A-100101", "A-100101", "A-100104", None]
    assert together[12].match.matched is False  # a phone two customers share
    assert together[13].match.customer_id == "C-6"  # ... told apart by the name


def test_a_batch_reads_the_directory_in_as_many_statements_however_many_calls(
    engine: Engine,
) -> None:
    def batch(n: int) -> list[Call]:
        return [
            make_call(f"x{i}", order_id=f"Z-{900000 + i}", phone=f"+1415555{1000 + i}")
            for i in range(n)
        ] + CALLS

    with _statements(engine) as few:
        _together(engine, batch(3))
    with _statements(engine) as many:
        _together(engine, batch(60))
    assert len(many) == len(few)
    assert not [sql for sql in many if "loaded_at" in sql]  # only what the records use
    with _statements(engine) as alone:
        _alone(engine, batch(60))
    assert len(alone) > 2 * len(many)


def test_digits_shared_by_two_orders_name_neither_in_a_batch_or_alone(engine: Engine) -> None:
    _add_order(engine, "Z-100101", "Z100101", "100101")
    calls = [make_call("d1", order_id="100101"), make_call("d2", order_id="Z 100101")]
    together = _together(engine, calls)
    assert together == _alone(engine, calls)
    assert [o.match.order_id for o in together] == [None, "Z-100101"]
    assert "order_not_found" in together[0].match.findings


def test_an_id_names_the_order_with_that_id_before_one_with_the_same_digits(
    engine: Engine,
) -> None:
    _add_order(engine, "100102", "100102", "100102")
    _add_order(engine, "Z-100102", "Z100102", "100102")
    calls = [make_call("e1", order_id="100102"), make_call("e2", order_id="Z/100102")]
    calls.append(make_call("e3", order_id="ZZ-100102"))  # no order has its id: digits decide
    together = _together(engine, calls)
    assert together == _alone(engine, calls)
    assert [o.match.order_id for o in together] == ["100102", "Z-100102", None]


def test_an_id_two_orders_share_but_for_punctuation_names_the_one_written_as_said(
    engine: Engine,
) -> None:
    _add_order(engine, "q777777", "Q777777", "777777")
    _add_order(engine, "Q-777777", "Q777777", "777777")
    calls = [make_call(f"k{i}", order_id=said) for i, said in enumerate(["Q-777777", "q777777"])]
    calls.append(make_call("k2", order_id="Q 777777"))
    together = _together(engine, calls)
    assert together == _alone(engine, calls)
    assert [o.match.order_id for o in together] == ["Q-777777", "q777777", None]
    assert "order_not_found" in together[2].match.findings


def test_a_phone_many_customers_share_is_told_apart_by_name_up_to_the_limit(
    engine: Engine,
) -> None:
    names = [f"Member{i} Family" for i in range(SHARED_CONTACT_LIMIT - 1)] + ["Zoe Quill"]
    _add_customers(engine, names, "+14155559999")
    crowd = [f"Person{i} Crowd" for i in range(SHARED_CONTACT_LIMIT + 1)] + ["Yan Roe"]
    _add_customers(engine, crowd, "+14155558888", prefix="T")
    calls = [
        make_call("p1", phone="+14155559999", name="Zoe Quill"),
        make_call("p2", phone="+14155559999"),
        make_call("p3", phone="+14155558888", name="Yan Roe"),
    ]
    together = _together(engine, calls)
    assert together == _alone(engine, calls)
    assert together[0].match.customer_id == f"S-{SHARED_CONTACT_LIMIT - 1:03d}"
    assert together[0].match.method == "phone"
    assert together[1].match.customer_id is None
    assert "ambiguous_caller" in together[1].match.findings
    assert together[2].match.method != "phone"  # shared too widely to identify anyone
    assert "ambiguous_caller" in together[2].match.findings


def test_a_batch_larger_than_one_statement_takes_matches_as_alone(any_engine: Engine) -> None:
    calls = [
        make_call(f"b{i}", order_id=f"A-{100101 + i % 7}" if i % 2 else f"Z-{800000 + i}")
        for i in range(900)
    ] + CALLS
    assert _together(any_engine, calls) == _alone(any_engine, calls)

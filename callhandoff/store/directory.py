"""Loading validated directory rows into the store, and the per-table counts.

Loading replaces records that have the same id (updated in place, so orders
keep pointing at their customer); an order's items are replaced when the load
carries items for that order. Ids are global: a record cannot move to another
store by being loaded again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.exceptions import InputError
from callhandoff.normalize import digit_key, id_key, name_key
from callhandoff.schema.directory import DirectoryData, Where
from callhandoff.store.tables import (
    bookings,
    customers,
    order_items,
    orders,
    products,
)

_CHUNK = 500


@dataclass
class LoadReport:
    """What a `directory load` did: rows written per table and the rows refused."""

    written: dict[str, int] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _existing(
    connection: Connection, column: sa.Column[Any], store_col: sa.Column[Any], ids: Sequence[str]
) -> dict[str, str]:
    """id -> store for the ids that are already in the table."""
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = connection.execute(sa.select(column, store_col).where(column.in_(chunk)))
        found.update({str(row[0]): str(row[1]) for row in rows})
    return found


def _replace(connection: Connection, table: sa.Table, pk: str, rows: list[dict[str, Any]]) -> None:
    """Insert new ids and update existing ones in place (a portable upsert)."""
    if not rows:
        return
    column = table.c[pk]
    existing: set[str] = set()
    for chunk in _chunks([row[pk] for row in rows]):
        existing.update(connection.execute(sa.select(column).where(column.in_(chunk))).scalars())
    fresh = [row for row in rows if row[pk] not in existing]
    stale = [{**row, "_pk": row[pk]} for row in rows if row[pk] in existing]
    for chunk in _chunks(fresh):
        connection.execute(sa.insert(table), list(chunk))
    if stale:
        names = [name for name in rows[0] if name != pk]
        statement = (
            sa.update(table)
            .where(column == sa.bindparam("_pk"))
            .values({name: sa.bindparam(name) for name in names})
        )
        for chunk in _chunks(stale):
            connection.execute(statement, list(chunk))


def _dedupe(
    rows: list[tuple[Where, Any]], key: str, report: LoadReport, what: str
) -> list[tuple[Where, Any]]:
    """Keep the first row per id; later duplicates are reported, not silently merged."""
    seen: dict[str, Where] = {}
    kept: list[tuple[Where, Any]] = []
    for where, row in rows:
        value = getattr(row, key)
        if value in seen:
            first = seen[value]
            report.errors.append(
                where.error(f"duplicate {what} {value!r} (first at {first.path}:{first.line})")
            )
            continue
        seen[value] = where
        kept.append((where, row))
    return kept


def _check_store(
    rows: list[tuple[Where, Any]],
    existing: dict[str, str],
    key: str,
    what: str,
    report: LoadReport,
) -> list[tuple[Where, Any]]:
    """Ids are global: a record may not move to another store by being loaded again."""
    kept = []
    for where, row in rows:
        other = existing.get(getattr(row, key))
        if other is not None and other != row.store:
            report.errors.append(
                where.error(f"{what} {getattr(row, key)!r} already belongs to store {other!r}")
            )
            continue
        kept.append((where, row))
    return kept


def load_directory(engine: Engine, data: DirectoryData) -> LoadReport:
    """Write validated rows in one transaction; rows that break a reference are reported."""
    report = LoadReport(errors=list(data.errors), files=list(data.files))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        cust = _dedupe(data.customers, "customer_id", report, "customer_id")
        cust = _check_store(
            cust,
            _existing(
                connection,
                customers.c.customer_id,
                customers.c.store,
                [r.customer_id for _, r in cust],
            ),
            "customer_id",
            "customer",
            report,
        )
        _replace(
            connection,
            customers,
            "customer_id",
            [
                {
                    **r.model_dump(),
                    "destination": r.destination.value,
                    "name_key": name_key(r.name),
                    "loaded_at": now,
                }
                for _, r in cust
            ],
        )
        known_customers = {r.customer_id: r.store for _, r in cust}

        def customer_ok(where: Where, row: Any, what: str) -> bool:
            if row.customer_id is None:
                return True
            store = known_customers.get(row.customer_id)
            if store is None:
                found = _existing(
                    connection, customers.c.customer_id, customers.c.store, [row.customer_id]
                )
                store = found.get(row.customer_id)
                if store is not None:
                    known_customers[row.customer_id] = store
            if store is None:
                report.errors.append(
                    where.error(
                        f"{what} refers to customer_id {row.customer_id!r}, which is in neither "
                        "customers.csv nor the store"
                    )
                )
                return False
            if store != row.store:
                report.errors.append(
                    where.error(
                        f"{what} is in store {row.store!r} but customer {row.customer_id!r} "
                        f"is in store {store!r}"
                    )
                )
                return False
            return True

        order_rows = _dedupe(data.orders, "order_id", report, "order_id")
        order_rows = [(w, r) for w, r in order_rows if customer_ok(w, r, "order")]
        order_rows = _check_store(
            order_rows,
            _existing(
                connection, orders.c.order_id, orders.c.store, [r.order_id for _, r in order_rows]
            ),
            "order_id",
            "order",
            report,
        )
        _replace(
            connection,
            orders,
            "order_id",
            [
                {
                    **r.model_dump(),
                    "destination": r.destination.value,
                    "order_key": id_key(r.order_id),
                    "order_digits": digit_key(r.order_id),
                    "loaded_at": now,
                }
                for _, r in order_rows
            ],
        )
        known_orders = {r.order_id for _, r in order_rows}
        missing = sorted({r.order_id for _, r in data.items} - known_orders)
        known_orders |= set(_existing(connection, orders.c.order_id, orders.c.store, missing))
        item_rows = []
        for where, item in data.items:
            if item.order_id not in known_orders:
                report.errors.append(
                    where.error(
                        f"item refers to order_id {item.order_id!r}, which is in neither "
                        "orders nor the store"
                    )
                )
                continue
            item_rows.append({**item.model_dump(), "sku_key": id_key(item.sku)})
        reloaded = sorted({row["order_id"] for row in item_rows})
        for chunk in _chunks(reloaded):
            connection.execute(sa.delete(order_items).where(order_items.c.order_id.in_(chunk)))
        for chunk in _chunks(item_rows):
            connection.execute(sa.insert(order_items), list(chunk))

        prod = _dedupe(data.products, "sku", report, "sku")
        prod = _check_store(
            prod,
            _existing(connection, products.c.sku, products.c.store, [r.sku for _, r in prod]),
            "sku",
            "product",
            report,
        )
        _replace(
            connection,
            products,
            "sku",
            [
                {
                    **r.model_dump(),
                    "destination": r.destination.value,
                    "sku_key": id_key(r.sku),
                    "loaded_at": now,
                }
                for _, r in prod
            ],
        )

        book = _dedupe(data.bookings, "booking_id", report, "booking_id")
        book = [(w, r) for w, r in book if customer_ok(w, r, "booking")]
        book = _check_store(
            book,
            _existing(
                connection, bookings.c.booking_id, bookings.c.store, [r.booking_id for _, r in book]
            ),
            "booking_id",
            "booking",
            report,
        )
        _replace(
            connection,
            bookings,
            "booking_id",
            [
                {
                    **r.model_dump(),
                    "destination": r.destination.value,
                    "booking_key": id_key(r.booking_id),
                    "loaded_at": now,
                }
                for _, r in book
            ],
        )
    report.written = {
        "customers": len(cust),
        "orders": len(order_rows),
        "order_items": len(item_rows),
        "products": len(prod),
        "bookings": len(book),
    }
    return report


def has_records(engine: Engine) -> bool:
    """True when the store holds at least one customer, order or booking to match against."""
    with engine.connect() as connection:
        return any(
            connection.execute(sa.select(table.c[0]).limit(1)).first() is not None
            for table in (customers, orders, bookings)
        )


def directory_stats(engine: Engine) -> list[tuple[str, str, str, int]]:
    """(table, destination, store, rows) for every directory table, for `directory stats`."""
    result: list[tuple[str, str, str, int]] = []
    with engine.connect() as connection:
        for table in (customers, orders, products, bookings):
            rows = connection.execute(
                sa.select(table.c.destination, table.c.store, sa.func.count())
                .group_by(table.c.destination, table.c.store)
                .order_by(table.c.destination, table.c.store)
            )
            result.extend((table.name, str(d), str(s), int(n)) for d, s, n in rows)
        items = connection.execute(
            sa.select(orders.c.destination, orders.c.store, sa.func.count())
            .select_from(order_items.join(orders))
            .group_by(orders.c.destination, orders.c.store)
        )
        result.extend(("order_items", str(d), str(s), int(n)) for d, s, n in items)
    return result

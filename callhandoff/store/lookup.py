"""Indexed reads of the store directory for the matcher.

Each method is one indexed query. The only in-memory structures are the
per-destination name and product-name lists that fuzzy matching scans; they are
built on first use and kept for the life of the `DirectoryLookup`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callhandoff.normalize import digit_key, fold, id_key
from callhandoff.store.records import (
    BookingRecord,
    CustomerRecord,
    OrderRecord,
    ProductRecord,
    booking_from,
    customer_from,
    order_from,
    product_from,
)
from callhandoff.store.tables import bookings, customers, order_items, orders, products

# Orders with the id first (rank 0), then orders with its digits: each half one index seek.
_ORDER_BY_KEY_OR_DIGITS = (
    sa.union_all(
        sa.select(orders, sa.literal(0).label("rank")).where(
            orders.c.destination == sa.bindparam("destination"),
            orders.c.order_key == sa.bindparam("key"),
        ),
        sa.select(orders, sa.literal(1).label("rank")).where(
            orders.c.destination == sa.bindparam("destination"),
            orders.c.order_digits == sa.bindparam("digits"),
        ),
    )
    .order_by("rank")
    .limit(2)
)
_ITEMS = (
    sa.select(order_items)
    .where(order_items.c.order_id == sa.bindparam("order_id"))
    .order_by(order_items.c.id)
)
_ORDERS_OF = (
    sa.select(orders)
    .where(orders.c.customer_id == sa.bindparam("customer_id"))
    .order_by(orders.c.purchased_at.desc(), orders.c.order_id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_CUSTOMER = sa.select(customers).where(customers.c.customer_id == sa.bindparam("customer_id"))
_BY_PHONE = (
    sa.select(customers)
    .where(
        customers.c.destination == sa.bindparam("destination"),
        customers.c.phone == sa.bindparam("value"),
    )
    .limit(5)
)
_BY_EMAIL = (
    sa.select(customers)
    .where(
        customers.c.destination == sa.bindparam("destination"),
        customers.c.email == sa.bindparam("value"),
    )
    .limit(5)
)
_BOOKING = sa.select(bookings).where(
    bookings.c.destination == sa.bindparam("destination"),
    bookings.c.booking_key == sa.bindparam("key"),
)
_PRODUCTS = sa.select(products).where(
    products.c.destination == sa.bindparam("destination"),
    products.c.sku_key.in_(sa.bindparam("keys", expanding=True)),
)


@dataclass
class NameIndex:
    """Parallel lists for rapidfuzz: the key of each entry and what it points to."""

    keys: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


class DirectoryLookup:
    """Directory reads scoped to one destination at a time (statements are built once)."""

    def __init__(self) -> None:
        self._names: dict[str, NameIndex] = {}
        self._product_names: dict[str, NameIndex] = {}

    def order(self, connection: Connection, destination: str, said: str) -> OrderRecord | None:
        """The order whose id is `said` (punctuation-blind), else the one with its digits.

        One query finds both: rows with the id come first and the first wins; by digits
        only when they name exactly one order.
        """
        key = id_key(said)
        if not key:
            return None
        digits = digit_key(said)
        found = (
            connection.execute(
                _ORDER_BY_KEY_OR_DIGITS, {"destination": destination, "key": key, "digits": digits}
            )
            .mappings()
            .all()
        )
        if not found:
            return None
        row = found[0]
        if row["order_key"] != key and len(found) != 1:
            return None  # the digits name more than one order
        return self._with_items(connection, row)

    def _with_items(self, connection: Connection, row: sa.RowMapping) -> OrderRecord:
        items = connection.execute(_ITEMS, {"order_id": row["order_id"]}).mappings().all()
        return order_from(row, items)

    def orders_of(
        self, connection: Connection, customer_id: str, limit: int = 50
    ) -> list[OrderRecord]:
        """The customer's most recent orders, newest first, with their items."""
        rows = (
            connection.execute(_ORDERS_OF, {"customer_id": customer_id, "limit": limit})
            .mappings()
            .all()
        )
        return [self._with_items(connection, row) for row in rows]

    def customer(self, connection: Connection, customer_id: str) -> CustomerRecord | None:
        """The customer with exactly this id."""
        row = connection.execute(_CUSTOMER, {"customer_id": customer_id.strip()}).mappings().first()
        return customer_from(row) if row is not None else None

    def customers_by(
        self,
        connection: Connection,
        destination: str,
        *,
        phone: str | None = None,
        email: str | None = None,
    ) -> list[CustomerRecord]:
        """Customers with this E.164 phone or lower-case email (at most a few)."""
        if phone is not None:
            statement, value = _BY_PHONE, phone
        elif email is not None:
            statement, value = _BY_EMAIL, email
        else:
            return []
        rows = (
            connection.execute(statement, {"destination": destination, "value": value})
            .mappings()
            .all()
        )
        return [customer_from(row) for row in rows]

    def booking(self, connection: Connection, destination: str, said: str) -> BookingRecord | None:
        """The booking whose reference is `said`, punctuation-blind."""
        key = id_key(said)
        if not key:
            return None
        row = (
            connection.execute(_BOOKING, {"destination": destination, "key": key})
            .mappings()
            .first()
        )
        return booking_from(row) if row is not None else None

    def products_by_keys(
        self, connection: Connection, destination: str, keys: list[str]
    ) -> dict[str, ProductRecord]:
        """sku_key -> product for the keys that exist in the catalogue."""
        if not keys:
            return {}
        rows = (
            connection.execute(_PRODUCTS, {"destination": destination, "keys": keys})
            .mappings()
            .all()
        )
        return {id_key(row["sku"]): product_from(row) for row in rows}

    def name_index(self, connection: Connection, destination: str) -> NameIndex:
        """Every customer's sorted-word name key in this destination (built once)."""
        index = self._names.get(destination)
        if index is None:
            index = NameIndex()
            rows = connection.execute(
                sa.select(customers.c.customer_id, customers.c.name_key).where(
                    customers.c.destination == destination, customers.c.name_key != ""
                )
            )
            for customer_id, key in rows:
                index.ids.append(customer_id)
                index.keys.append(key)
            self._names[destination] = index
        return index

    def product_index(self, connection: Connection, destination: str) -> NameIndex:
        """Every catalogue product's folded name in this destination (built once)."""
        index = self._product_names.get(destination)
        if index is None:
            index = NameIndex()
            rows = connection.execute(
                sa.select(products.c.sku, products.c.name).where(
                    products.c.destination == destination
                )
            )
            for sku, name in rows:
                index.ids.append(sku)
                index.keys.append(fold(name))
            self._product_names[destination] = index
        return index

"""Indexed reads of the store directory for the matcher.

Orders, customers (by id, phone or e-mail) and products are read for many keys at
a time (`... IN (...)`); a single call's lookup is the same query with one key.
For a batch of calls the router first says what they will look up (`Wanted`), and
`prefetched` reads it with a handful of queries (orders, their items, customers,
products) and keeps the records for the batch: lookups inside it are answered from
memory, and an order, customer, contact, product or customer's order list it did
not foresee is read then and kept for the batch too. Bookings are read one at a
time (calls rarely name one). The only structures kept longer are the
per-destination name and product-name lists that fuzzy matching scans; they are
built on first use and kept for the life of the `DirectoryLookup`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from callhandoff.normalize import digit_key, fold, id_key
from callhandoff.store.bulk import chunks
from callhandoff.store.records import (
    BookingRecord,
    CustomerRecord,
    ItemRecord,
    OrderRecord,
    ProductRecord,
    booking_from,
    customer_from,
    order_from,
    product_from,
)
from callhandoff.store.tables import bookings, customers, order_items, orders, products

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

#: Customers sharing one phone or e-mail that the matcher tells apart by name; a value
#: more customers share identifies nobody (a switchboard, a placeholder number).
SHARED_CONTACT_LIMIT = 20


def _columns(table: sa.Table, record: type[Any], *keys: str) -> list[sa.Column[Any]]:
    """The columns `record` is built from, and the `keys` a lookup groups its rows by: a
    directory read skips what no record uses (time stamps of loading, search keys)."""
    names = [f.name for f in fields(record) if f.name in table.c]
    return [table.c[name] for name in dict.fromkeys([*names, *keys])]


_ORDER_COLUMNS = _columns(orders, OrderRecord, "order_key", "order_digits")
_CUSTOMER_COLUMNS = _columns(customers, CustomerRecord)
# Orders by their id key, and orders by the digits of their id.
_ORDERS_BY = {
    column: sa.select(*_ORDER_COLUMNS).where(
        orders.c.destination == sa.bindparam("destination"),
        orders.c[column].in_(sa.bindparam("values", expanding=True)),
    )
    for column in ("order_key", "order_digits")
}
_ITEMS = (
    sa.select(*_columns(order_items, ItemRecord, "order_id"))
    .where(order_items.c.order_id.in_(sa.bindparam("order_ids", expanding=True)))
    .order_by(order_items.c.id)
)
_ORDERS_OF = (
    sa.select(*_ORDER_COLUMNS)
    .where(orders.c.customer_id == sa.bindparam("customer_id"))
    .order_by(orders.c.purchased_at.desc(), orders.c.order_id)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_CUSTOMERS = sa.select(*_CUSTOMER_COLUMNS).where(
    customers.c.customer_id.in_(sa.bindparam("customer_ids", expanding=True))
)


def _customers_by(column: str) -> sa.Select[tuple[object, ...]]:
    """Customers with one of the values in `column`: at most one more than the limit per
    value (the first by customer id), so a value shared too widely is seen as such."""
    ranked = (
        sa.select(
            *_CUSTOMER_COLUMNS,
            sa.func.row_number()
            .over(partition_by=customers.c[column], order_by=customers.c.customer_id)
            .label("nth"),
        )
        .where(
            customers.c.destination == sa.bindparam("destination"),
            customers.c[column].in_(sa.bindparam("values", expanding=True)),
        )
        .subquery()
    )
    return (
        sa.select(ranked)
        .where(ranked.c.nth <= SHARED_CONTACT_LIMIT + 1)
        .order_by(ranked.c[column], ranked.c.nth)
    )


_CUSTOMERS_BY = {column: _customers_by(column) for column in ("phone", "email")}
_BOOKING = sa.select(*_columns(bookings, BookingRecord)).where(
    bookings.c.destination == sa.bindparam("destination"),
    bookings.c.booking_key == sa.bindparam("key"),
)
_PRODUCTS = sa.select(*_columns(products, ProductRecord, "sku_key")).where(
    products.c.destination == sa.bindparam("destination"),
    products.c.sku_key.in_(sa.bindparam("keys", expanding=True)),
)


@dataclass
class Wanted:
    """What a batch of calls will look up: (destination, value) pairs and customer ids."""

    orders: set[tuple[str, str]] = field(default_factory=set)  # the order ids as said
    customers: set[str] = field(default_factory=set)
    phones: set[tuple[str, str]] = field(default_factory=set)  # E.164
    emails: set[tuple[str, str]] = field(default_factory=set)  # lower-case
    products: set[tuple[str, str]] = field(default_factory=set)  # SKU keys


@dataclass
class _Memo:
    """Records read during one batch, by what they were looked up with (None: not found)."""

    orders: dict[tuple[str, str], OrderRecord | None] = field(default_factory=dict)  # as said
    customers: dict[str, CustomerRecord | None] = field(default_factory=dict)
    contacts: dict[tuple[str, str, str], list[CustomerRecord]] = field(default_factory=dict)
    products: dict[tuple[str, str], ProductRecord | None] = field(default_factory=dict)
    orders_of: dict[tuple[str, int], list[OrderRecord]] = field(default_factory=dict)


@dataclass
class NameIndex:
    """Parallel lists for rapidfuzz: the key of each entry and what it points to."""

    keys: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def _by_destination(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for destination, value in pairs:
        grouped[destination].add(value)
    return {destination: sorted(values) for destination, values in grouped.items()}


class DirectoryLookup:
    """Directory reads for the matcher (statements are built once), each scoped to the
    call's destination."""

    def __init__(self) -> None:
        self._names: dict[str, NameIndex] = {}
        self._product_names: dict[str, NameIndex] = {}
        self._memo: _Memo | None = None

    # ------------------------------------------------------------------ a batch at a time
    @contextmanager
    def prefetched(self, connection: Connection, wanted: Wanted) -> Iterator[None]:
        """Read what a batch wants up front and answer every lookup inside from memory."""
        memo = _Memo()
        for destination, said in _by_destination(wanted.orders).items():
            found = self._load_orders(connection, destination, said)
            memo.orders.update(((destination, s), found.get(s)) for s in said)
        owners = {o.customer_id for o in memo.orders.values() if o and o.customer_id}
        ids = sorted({i.strip() for i in wanted.customers} | owners)
        memo.customers.update(self._load_customers(connection, ids))
        for column, pairs in (("phone", wanted.phones), ("email", wanted.emails)):
            for destination, values in _by_destination(pairs).items():
                found_by = self._load_customers_by(connection, destination, column, values)
                memo.contacts.update(((column, destination, v), found_by[v]) for v in values)
        skus = set(wanted.products)
        skus |= {
            (o.destination, item.sku_key) for o in memo.orders.values() if o for item in o.items
        }
        for destination, keys in _by_destination(skus).items():
            catalogue = self._load_products(connection, destination, keys)
            memo.products.update(((destination, k), catalogue.get(k)) for k in keys)
        outer, self._memo = self._memo, memo
        try:
            yield
        finally:
            self._memo = outer

    @staticmethod
    def _remembered(kept: dict[_K, _V] | None, key: _K, read: Callable[[], _V]) -> _V:
        """`read()`, kept under `key` for the batch when one is prefetched (`kept`)."""
        if kept is None:
            return read()
        if key not in kept:
            kept[key] = read()
        return kept[key]

    # ------------------------------------------------------------------ one call's reads
    def order(self, connection: Connection, destination: str, said: str) -> OrderRecord | None:
        """The order `said` names, by the rule of `_load_orders`; None when it names none."""
        if not id_key(said):
            return None
        return self._remembered(
            self._memo.orders if self._memo else None,
            (destination, said),
            lambda: self._load_orders(connection, destination, [said]).get(said),
        )

    def orders_of(
        self, connection: Connection, customer_id: str, limit: int = 50
    ) -> list[OrderRecord]:
        """The customer's most recent orders, newest first, with their items."""

        def read() -> list[OrderRecord]:
            rows = (
                connection.execute(_ORDERS_OF, {"customer_id": customer_id, "limit": limit})
                .mappings()
                .all()
            )
            items = self._load_items(connection, [row["order_id"] for row in rows])
            return [order_from(row, items[row["order_id"]]) for row in rows]

        memo = self._memo
        return self._remembered(memo.orders_of if memo else None, (customer_id, limit), read)

    def customer(self, connection: Connection, customer_id: str) -> CustomerRecord | None:
        """The customer with exactly this id."""
        customer_id = customer_id.strip()
        return self._remembered(
            self._memo.customers if self._memo else None,
            customer_id,
            lambda: self._load_customers(connection, [customer_id])[customer_id],
        )

    def customers_by(
        self,
        connection: Connection,
        destination: str,
        *,
        phone: str | None = None,
        email: str | None = None,
    ) -> list[CustomerRecord]:
        """Customers with this E.164 phone or lower-case email, by customer id: all of
        them, or `SHARED_CONTACT_LIMIT` + 1 when more share it."""
        if phone is not None:
            column, value = "phone", phone
        elif email is not None:
            column, value = "email", email
        else:
            return []
        return self._remembered(
            self._memo.contacts if self._memo else None,
            (column, destination, value),
            lambda: self._load_customers_by(connection, destination, column, [value])[value],
        )

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
        memo = self._memo
        known = memo.products if memo is not None else {}
        missing = [key for key in keys if (destination, key) not in known]
        found = self._load_products(connection, destination, missing) if missing else {}
        if memo is not None:
            memo.products.update(((destination, key), found.get(key)) for key in missing)
        for key in keys:
            product = known.get((destination, key))
            if product is not None:
                found[key] = product
        return found

    # ------------------------------------------------------------------ the queries
    def _load_orders(
        self, connection: Connection, destination: str, said: Sequence[str]
    ) -> dict[str, OrderRecord]:
        """The order each said id names. Its id (punctuation- and case-blind) names it when
        one order has it, or several do and one is written exactly as said; otherwise its
        digits name it when one order has them. Ids naming no order are left out."""
        wanted = {s: (key, digit_key(s)) for s in said if (key := id_key(s))}
        by_key = self._orders_by(
            connection, destination, "order_key", {k for k, _ in wanted.values()}
        )
        by_digits = self._orders_by(
            connection,
            destination,
            "order_digits",
            {digits for key, digits in wanted.values() if digits and key not in by_key},
        )  # digits name an order only for an id no order has
        rows: dict[str, sa.RowMapping] = {}
        for s, (key, digits) in wanted.items():
            same_key = by_key.get(key, {})
            same_digits = by_digits.get(digits, {}) if digits is not None else {}
            named = same_key or (same_digits if len(same_digits) == 1 else {})
            chosen = next(iter(named.values())) if len(named) == 1 else named.get(s.strip())
            if chosen is not None:
                rows[s] = chosen
        items = self._load_items(connection, sorted({row["order_id"] for row in rows.values()}))
        return {s: order_from(row, items[row["order_id"]]) for s, row in rows.items()}

    @staticmethod
    def _orders_by(
        connection: Connection, destination: str, column: str, values: set[str]
    ) -> dict[str, dict[str, sa.RowMapping]]:
        """value -> order id -> row, for the orders with one of `values` in `column`."""
        found: dict[str, dict[str, sa.RowMapping]] = defaultdict(dict)
        for chunk in chunks(sorted(values)):
            parameters = {"destination": destination, "values": chunk}
            for row in connection.execute(_ORDERS_BY[column], parameters).mappings().all():
                found[row[column]][row["order_id"]] = row
        return found

    def _load_items(
        self, connection: Connection, order_ids: Sequence[str]
    ) -> dict[str, list[sa.RowMapping]]:
        items: dict[str, list[sa.RowMapping]] = defaultdict(list)
        for chunk in chunks(order_ids):
            for row in connection.execute(_ITEMS, {"order_ids": chunk}).mappings().all():
                items[row["order_id"]].append(row)
        return items

    def _load_customers(
        self, connection: Connection, customer_ids: Sequence[str]
    ) -> dict[str, CustomerRecord | None]:
        found: dict[str, CustomerRecord | None] = dict.fromkeys(customer_ids)
        for chunk in chunks(customer_ids):
            for row in connection.execute(_CUSTOMERS, {"customer_ids": chunk}).mappings().all():
                found[row["customer_id"]] = customer_from(row)
        return found

    def _load_customers_by(
        self, connection: Connection, destination: str, column: str, values: Sequence[str]
    ) -> dict[str, list[CustomerRecord]]:
        found: dict[str, list[CustomerRecord]] = {value: [] for value in values}
        for chunk in chunks(values):
            parameters = {"destination": destination, "values": chunk}
            for row in connection.execute(_CUSTOMERS_BY[column], parameters).mappings().all():
                found[row[column]].append(customer_from(row))
        return found

    def _load_products(
        self, connection: Connection, destination: str, keys: Sequence[str]
    ) -> dict[str, ProductRecord]:
        found: dict[str, ProductRecord] = {}
        for chunk in chunks(keys):
            parameters = {"destination": destination, "keys": chunk}
            for row in connection.execute(_PRODUCTS, parameters).mappings().all():
                found[row["sku_key"]] = product_from(row)
        return found

    # ------------------------------------------------------------------ fuzzy matching
    def name_index(self, connection: Connection, destination: str) -> NameIndex:
        """Every customer's sorted-word name key in this destination (built once)."""
        index = self._names.get(destination)
        if index is None:
            index = NameIndex()
            rows = connection.execute(
                sa.select(customers.c.customer_id, customers.c.name_key).where(
                    customers.c.destination == destination, customers.c.name_key != ""
                )
            ).all()
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
            ).all()
            for sku, name in rows:
                index.ids.append(sku)
                index.keys.append(fold(name))
            self._product_names[destination] = index
        return index

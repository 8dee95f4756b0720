"""The migrations and the runtime tables agree: every table, column, type and lookup index."""

from __future__ import annotations

import sqlalchemy as sa

from callhandoff.store.db import applied_migrations, open_store
from callhandoff.store.tables import metadata


def test_m0001_creates_every_routing_table_once(store_url: str) -> None:
    url = store_url
    engine = open_store(url)
    open_store(url)
    assert "m0001_routing" in applied_migrations(engine)
    names = set(sa.inspect(engine).get_table_names())
    assert {
        "customers",
        "orders",
        "order_items",
        "products",
        "bookings",
        "calls",
        "transcript_versions",
        "extractions",
        "decisions",
        "review_items",
        "outbox",
        "outbox_attempts",
    } <= names


def _type_name(column_type: sa.types.TypeEngine[object], dialect: sa.Dialect) -> str:
    """The column type as the database spells it (a decorator by the type it stores)."""
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    name = column_type.compile(dialect=dialect)
    return _SAME_TYPE.get(name, name)


# PostgreSQL stores FLOAT as DOUBLE PRECISION and reports it under that name.
_SAME_TYPE = {"DOUBLE PRECISION": "FLOAT"}


def test_runtime_tables_describe_every_migrated_table_and_column(store_url: str) -> None:
    engine = open_store(store_url)
    inspector = sa.inspect(engine)
    migrated_tables = set(inspector.get_table_names()) - {"_migrations"}
    assert migrated_tables == set(metadata.tables), "a migrated table has no runtime mirror"
    for table in metadata.sorted_tables:
        migrated = {
            c["name"]: (_type_name(c["type"], engine.dialect), c["nullable"])
            for c in inspector.get_columns(table.name)
        }
        runtime = {c.name: (_type_name(c.type, engine.dialect), c.nullable) for c in table.columns}
        assert migrated == runtime, table.name


def test_every_lookup_column_is_indexed(store_url: str) -> None:
    inspector = sa.inspect(open_store(store_url))
    indexed = {
        (table, tuple(index["column_names"]))
        for table in ("customers", "orders", "bookings", "products", "outbox", "decisions")
        for index in inspector.get_indexes(table)
    }
    for wanted in [
        ("orders", ("destination", "order_key")),
        ("orders", ("destination", "order_digits")),
        ("orders", ("customer_id",)),
        ("customers", ("destination", "phone")),
        ("customers", ("destination", "email")),
        ("bookings", ("destination", "booking_key")),
        ("products", ("destination", "sku_key")),
        ("outbox", ("state", "id")),
        ("decisions", ("call_id", "id")),
    ]:
        assert wanted in indexed, wanted
    uniques = inspector.get_unique_constraints("transcript_versions")
    assert {tuple(u["column_names"]) for u in uniques} >= {("call_id", "content_hash")}
    service = {tuple(i["column_names"]) for i in inspector.get_indexes("inbound_calls")}
    assert {("state", "id"), ("call_id", "id")} <= service

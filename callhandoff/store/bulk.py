"""Many rows into one table in one driver call, and the ids they got: the batch path.

SQLAlchemy's `execute(table.insert(), rows)` processes every row again (parameters
built and typed one by one), and asked for the new ids in order, SQLite inserts
one row per statement. A batch writes the same tables with the same columns call
after call, so `BulkInsert` compiles its statement once per dialect and set of
columns, keeps each column's bind processor (the column type's own: aware
datetimes to UTC, JSON serialised, ...) and hands the driver plain tuples with
`exec_driver_sql`: the rows are the ones `execute(table.insert(), rows)` writes.
`new_ids` reads the ids back through a column that tells the new rows apart.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from callhandoff.store.tables import UTCDateTime

#: Values in one `IN (...)` list. A directory lookup binds one list and a destination:
#: 400 + 1 values, well under SQLite's oldest limit of 999.
IN_CHUNK = 400

_UNSET = object()


def chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    """`values` in lists of at most `IN_CHUNK`."""
    for start in range(0, len(values), IN_CHUNK):
        yield list(values[start : start + IN_CHUNK])


@dataclass(frozen=True)
class _Plan:
    sql: str
    columns: tuple[str, ...]  # in the statement's parameter order
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # a row's values in that order
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor)
    positional: bool
    repeated: frozenset[int]  # positions of time stamps: rows of a batch share their value


@dataclass(frozen=True)
class BulkInsert:
    """`INSERT INTO table`, compiled once per dialect and set of columns."""

    table: sa.Table
    _plans: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Plan]] = field(
        default_factory=weakref.WeakKeyDictionary, compare=False, repr=False
    )

    def _plan(self, dialect: Dialect, columns: tuple[str, ...]) -> _Plan:
        """The statement for these columns on this engine's dialect (its JSON serializer
        is the engine's own, so plans are kept per dialect object)."""
        plans = self._plans.setdefault(dialect, {})
        plan = plans.get(columns)
        if plan is None:
            compiled = self.table.insert().compile(
                dialect=dialect, column_keys=list(columns), for_executemany=True
            )  # for many rows: no RETURNING of the new id
            binds = tuple(compiled.positiontup or ()) if compiled.positional else (*compiled.binds,)
            if set(binds) != set(columns):  # e.g. a Python-side default the rows leave out
                unset = sorted(set(binds) - set(columns))
                raise ValueError(f"{self.table.name}: the rows do not set {unset}")
            order = binds if compiled.positional else columns
            bind = [self.table.c[name].type.dialect_impl(dialect) for name in order]
            processors = tuple(
                (position, process)
                for position, type_ in enumerate(bind)
                if (process := type_.bind_processor(dialect)) is not None
            )
            getter = operator.itemgetter(*order)
            values = getter if len(order) > 1 else lambda row: (getter(row),)
            stamps = frozenset(
                position
                for position, name in enumerate(order)
                if isinstance(self.table.c[name].type, UTCDateTime)
            )  # equal instants bind alike (as UTC), so a batch converts each once
            plan = _Plan(compiled.string, order, values, processors, compiled.positional, stamps)
            plans[columns] = plan
        return plan

    def execute(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert `rows`, which all set the same columns (the keys of the first)."""
        if not rows:
            return
        columns = tuple(rows[0])
        plan = self._plan(connection.dialect, columns)
        values: list[tuple[Any, ...]] = []
        stamps: dict[Any, Any] = {}  # a time stamp's bound value, once per batch
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{self.table.name}: rows set different columns")
            taken = plan.values(row)
            if plan.processors:
                processed = list(taken)
                for position, process in plan.processors:
                    value = processed[position]
                    if position in plan.repeated:
                        bound = stamps.get(value, _UNSET)
                        if bound is _UNSET:
                            bound = stamps[value] = process(value)
                        processed[position] = bound
                    else:
                        processed[position] = process(value)
                taken = tuple(processed)
            values.append(taken)
        if plan.positional:
            connection.exec_driver_sql(plan.sql, values)
        else:
            named = [dict(zip(plan.columns, row, strict=True)) for row in values]
            connection.exec_driver_sql(plan.sql, named)

    def execute_for_ids(
        self, connection: Connection, rows: Sequence[Mapping[str, Any]], key: str
    ) -> list[int]:
        """`execute`, then the new rows' ids in the order of `rows`; `key` is a column
        that tells the new rows apart from each other and from the table's other rows."""
        self.execute(connection, rows)
        values = [row[key] for row in rows]
        if values and connection.dialect.name == "sqlite":
            ids = _consecutive_ids(connection, self.table, key, values)
            if ids is not None:
                return ids
        return new_ids(connection, self.table, key, values)


def _consecutive_ids(
    connection: Connection, table: sa.Table, key: str, values: Sequence[Any]
) -> list[int] | None:
    """SQLite gives a new row the largest id so far plus one, so the rows of the insert
    just made have consecutive ids up to `last_insert_rowid()`. Checked through `key` at
    both ends; None when that does not hold."""
    last = int(connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
    first = last - len(values) + 1
    ends: dict[int, Any] = dict(
        connection.exec_driver_sql(
            f"SELECT id, {table.c[key].name} FROM {table.name} WHERE id IN (?, ?)",
            (first, last),
        ).all()
    )
    if ends.get(first) != values[0] or ends.get(last) != values[-1]:
        return None
    return list(range(first, last + 1))


def new_ids(connection: Connection, table: sa.Table, key: str, values: Sequence[Any]) -> list[int]:
    """The ids of rows just inserted into `table`, one for each of `values` of column `key`,
    in their order. No two rows of the table may share a value of `values`."""
    column = table.c[key]
    found: dict[Any, int] = {}
    for chunk in chunks(values):
        rows = connection.execute(sa.select(column, table.c.id).where(column.in_(chunk)))
        for value, new_id in rows:
            if value in found:
                raise ValueError(f"{table.name}: two rows have {key} = {value!r}")
            found[value] = int(new_id)
    return [found[value] for value in values]

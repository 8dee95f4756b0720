"""Open the store and bring its schema up to date with the numbered migrations."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pydantic_core
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.exceptions import ConfigError
from callhandoff.settings import hide_password
from callhandoff.store import migrations as migrations_package

_MIGRATION_NAME = re.compile(r"^m(\d{4})_[a-z0-9_]+$")

_migrations_table = sa.Table(
    "_migrations",
    sa.MetaData(),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


def _discover() -> list[tuple[str, Callable[[Connection], None]]]:
    """The migration modules, sorted by number."""
    found: list[tuple[int, str, ModuleType]] = []
    for info in pkgutil.iter_modules(migrations_package.__path__):
        match = _MIGRATION_NAME.match(info.name)
        if match is None:
            continue
        module = importlib.import_module(f"{migrations_package.__name__}.{info.name}")
        found.append((int(match.group(1)), info.name, module))
    found.sort()
    numbers = [number for number, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise ConfigError(f"two store migrations share a number: {[n for _, n, _ in found]}")
    return [(name, module.upgrade) for _, name, module in found]


def _prepare_sqlite_path(url: str) -> None:
    """Create the parent folder of a SQLite file so a fresh clone needs no set-up."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def open_store(url: str) -> Engine:
    """An engine on `url` whose schema has every migration applied.

    Safe to call on every start: applied migrations are recorded in `_migrations`
    and skipped.
    """
    _prepare_sqlite_path(url)
    try:
        engine = sa.create_engine(url, json_serializer=_to_json)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError(f"cannot open the store at {hide_password(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    with engine.begin() as connection:
        _migrations_table.create(connection, checkfirst=True)
        done = set(connection.execute(sa.select(_migrations_table.c.name)).scalars())
        for name, upgrade in _discover():
            if name in done:
                continue
            upgrade(connection)
            connection.execute(
                _migrations_table.insert().values(name=name, applied_at=datetime.now(UTC))
            )
    return engine


def _to_json(value: object) -> str:
    """JSON columns are written by pydantic's serializer: several times faster than `json`."""
    return pydantic_core.to_json(value).decode()


def applied_migrations(engine: Engine) -> list[str]:
    """Names of the migrations applied to this store, in order."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(_migrations_table.c.name).order_by("name"))
        return list(rows.scalars())


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ping(engine: Engine) -> None:
    """Raise unless the store answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def picked(candidates: sa.Select[tuple[int]], dialect: sa.Dialect) -> sa.Select[tuple[int]]:
    """The ids `candidates` selects, locked and chosen once, for an UPDATE that claims them.

    On PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED` (rows another
    claimer holds are skipped, not waited for) inside a materialised CTE: a plain
    `IN (subquery ... LIMIT n)` may be re-run by the planner and claim more than n.
    SQLite has a single writer, so its conditional UPDATE is atomic as it is.
    """
    if dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    chosen = candidates.cte("picked").prefix_with("MATERIALIZED")
    return sa.select(chosen.c[0])

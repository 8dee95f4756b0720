"""Open the store and bring its schema up to date with the numbered migrations."""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
import weakref
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from callhandoff.exceptions import ConfigError
from callhandoff.settings import hide_password, hide_passwords_in
from callhandoff.store import migrations as migrations_package
from callhandoff.store.writes import JsonText

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
    """Check the URL reads as one, and create the parent folder of a SQLite file so a
    fresh clone needs no set-up."""
    urlsplit(url).port  # noqa: B018  (raises ValueError on a malformed host or port)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def open_store(url: str) -> Engine:
    """An engine on `url` whose schema has every migration applied.

    Safe to call on every start: applied migrations are recorded in `_migrations`
    and skipped. Any failure (a bad URL, a missing driver, a folder that cannot be
    created, a server that refuses) is a `ConfigError` whose message shows the URL
    with its password hidden and no SQL.
    """
    try:
        _prepare_sqlite_path(url)
        engine = sa.create_engine(url, json_serializer=_to_json)
    except (sa.exc.ArgumentError, ImportError, ValueError, OSError) as exc:
        raise ConfigError(
            f"cannot open the store at {hide_password(url)}: {_reason(exc, url)}"
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        _one_transaction_at_a_time(engine)
    weakref.finalize(engine, _close_at_exit, weakref.ref(engine))
    try:
        _migrate(engine)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise ConfigError(
            f"cannot open the store at {hide_password(url)}: {_reason(exc, url)}"
        ) from None
    return engine


def _close_at_exit(engine: weakref.ref[Engine]) -> None:
    """At exit, close the connections of an engine still open (a command's store).

    The process does not wait for the garbage collector to do it
    (`longlived.start_process`), and SQLite folds its write-ahead log back into the
    database file only when the last connection closes: without this, a finished
    command would leave the store in three files (`.db`, `-wal`, `-shm`), and a copy
    of the `.db` file alone would miss the newest calls.
    """
    alive = engine()
    if alive is not None:
        alive.dispose()


def _migrate(engine: Engine) -> None:
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


def store_error_reason(exc: BaseException, url: str | None = None) -> str:
    """What went wrong in the store, in one line: the driver's own words without the SQL
    statement, its parameters or any password."""
    return _reason(exc, url)


def _reason(exc: BaseException, url: str | None) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        inner = getattr(exc, "orig", None) if isinstance(exc, sa.exc.DBAPIError) else None
        text = str(inner if inner is not None else exc)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    first = first.split("[SQL:", 1)[0].strip()
    return hide_passwords_in(first, url)


def _to_json(value: object) -> str:
    """JSON columns are written by pydantic's serializer (several times faster than `json`);
    a value already serialised (`JsonText`) is written as it is."""
    return str(value if isinstance(value, JsonText) else JsonText.of(value))


def applied_migrations(engine: Engine) -> list[str]:
    """Names of the migrations applied to this store, in order."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(_migrations_table.c.name).order_by("name"))
        return list(rows.scalars())


class _Turns:
    """A re-entrant lock handed to waiting threads in arrival order (no barging)."""

    _HANDING = -1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()
        with self._lock:
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner = self._HANDING
                self._waiting.popleft().set()
            else:
                self._owner = None


def _one_transaction_at_a_time(engine: Engine) -> None:
    """Transactions of this process on a SQLite store take turns, first come first served.

    SQLite has one writer; a transaction that finds the file locked sleeps and
    polls (1, 2, 5 ... 100 ms), so with worker threads writing back to back a
    webhook's insert could wait seconds. Taking turns, in arrival order, on a
    lock in the process instead hands the store over the moment the previous
    transaction ends. Other processes on the same file still meet SQLite's own
    locking.
    """
    gate = _Turns()

    def begin(connection: Connection) -> None:
        gate.acquire()
        connection.info["callhandoff_gate"] = connection.info.get("callhandoff_gate", 0) + 1

    def end(connection: Connection) -> None:
        held = connection.info.get("callhandoff_gate", 0)
        if held:
            connection.info["callhandoff_gate"] = held - 1
            gate.release()

    sa.event.listen(engine, "begin", begin)
    sa.event.listen(engine, "commit", end)
    sa.event.listen(engine, "rollback", end)


#: Page size of a new SQLite store (SQLite's default is 4,096). A routed call writes
#: JSON values of 1 to 8 KB; on 4 KB pages most of them spill into overflow pages of
#: their own, each one more frame for the write-ahead log, and committing a batch of
#: 64 calls cost over three times what it does on 16 KB pages. Only a database
#: created empty takes it: an existing store keeps the page size it was created with.
PAGE_BYTES = 16_384

#: Bytes the write-ahead log may hold before SQLite copies it into the database (and
#: syncs both). SQLite's default (1,000 pages) meant a checkpoint on nearly every
#: batch commit of a routed run; 40 MB lets a few batches share one.
WAL_CHECKPOINT_BYTES = 40 * 2**20

#: Bytes of the database file SQLite reads through a memory map instead of a copy per
#: page read. A routed call looks its caller and order up in the directory's indexes;
#: against 100,000 orders the map takes about a tenth off routing's processor time.
MMAP_BYTES = 256 * 2**20


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"PRAGMA page_size={PAGE_BYTES}")  # before WAL: a new file only
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    page_bytes = cursor.execute("PRAGMA page_size").fetchone()[0]
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_bytes}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def insert_if_new(
    connection: Connection, table: sa.Table, key: str, values: dict[str, Any]
) -> None:
    """Insert a row unless one with the same `key` exists (`ON CONFLICT DO NOTHING`, on
    SQLite and PostgreSQL alike)."""
    # imported here, the store's own dialect only: importing PostgreSQL's takes about
    # 30 ms, and commands that only read (`explain`) load neither
    name = "sqlite" if connection.dialect.name == "sqlite" else "postgresql"
    insert = importlib.import_module(f"sqlalchemy.dialects.{name}").insert
    connection.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=[key]))


def ping(engine: Engine) -> None:
    """Raise unless the store answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def picked(
    candidates: sa.Select[tuple[int]], dialect: sa.Dialect, *, skip_locked: bool = True
) -> sa.Select[tuple[int]]:
    """The ids `candidates` selects, locked and chosen once, for an UPDATE that claims them.

    On PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED` (rows another
    claimer holds are skipped, not waited for) inside a materialised CTE: a plain
    `IN (subquery ... LIMIT n)` may be re-run by the planner and claim more than n.
    With `skip_locked=False` (claiming named rows) a row another transaction holds
    is waited for instead: a short write elsewhere (recording that a task was
    published) must not make the claim of that very row come back empty.
    SQLite has a single writer, so its conditional UPDATE is atomic as it is.
    """
    if dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=skip_locked)
    chosen = candidates.cte("picked").prefix_with("MATERIALIZED")
    return sa.select(chosen.c[0])

"""Fixtures for routing tests: a temp SQLite store loaded with the small fixture directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.router import Router
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from tests.routing.helpers import REFERENCE, STORE


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite store in a temp folder."""
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A store holding the fixture directory (tests/routing/fixtures/store)."""
    data = read_directory(STORE, regions=["US"], tz=ZoneInfo("UTC"))
    report = load_directory(empty_engine, data)
    assert not report.errors, [str(e) for e in report.errors]
    return empty_engine


@pytest.fixture
def router(engine: Engine) -> Router:
    """A router with the default policy and a fixed clock."""
    return Router(engine, clock=lambda: REFERENCE)

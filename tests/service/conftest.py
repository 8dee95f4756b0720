"""A service over a store holding the demo directory, with its app not yet started."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from callhandoff.routing.directory.files import read_directory
from callhandoff.service.embedded import Service
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from tests.service.helpers import EXAMPLES, SECRET


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a service test: the test secret, the given store."""
    return Settings(
        webhook_secret=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        **overrides,  # type: ignore[arg-type]
    )


def loaded_store(database_url: str) -> None:
    """Migrate the store and load the demo directory into it."""
    engine = open_store(database_url)
    data = read_directory(EXAMPLES / "store", regions=["US"], tz=ZoneInfo("UTC"))
    load_directory(engine, data)
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store holding the demo directory."""
    url = f"sqlite:///{tmp_path / 'service.db'}"
    loaded_store(url)
    return url


@pytest.fixture
def service(sqlite_url: str) -> Service:
    """An embedded service (one worker thread, no deliverer) on that store."""
    return Service.from_settings(make_settings(sqlite_url), workers=1, deliver=False)

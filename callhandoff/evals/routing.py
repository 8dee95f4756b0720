"""A throw-away router for one eval pass: the demo directory in a fresh, temporary store.

The real router persists every call and answers a call it has already seen from
the store (same transcript: same extraction and decision). An eval must not see
earlier runs' answers, nor touch the project's store, so each pass routes against
its own temporary SQLite store loaded with the directory the gold decisions were
labelled against (`examples/store/` by default).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from callhandoff.evals.defaults import DEMO_DIRECTORY
from callhandoff.exceptions import InputError
from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory


@contextmanager
def isolated_router(settings: Settings, directory: Path = DEMO_DIRECTORY) -> Iterator[Router]:
    """A Router on a new temporary store holding `directory`; the store is deleted after."""
    data = read_directory(directory, regions=settings.phone_regions, tz=settings.tz)
    if data.errors:
        first = data.errors[0]
        more = f" (and {len(data.errors) - 1} more problems)" if len(data.errors) > 1 else ""
        raise InputError(
            f"the eval's store directory cannot be loaded: {first}{more}; "
            "pass --directory or --no-route"
        )
    with tempfile.TemporaryDirectory(prefix="callhandoff-eval-") as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            load_directory(engine, data)
            yield Router(engine, load_policy(settings.policy_path), regions=settings.phone_regions)
        finally:
            engine.dispose()

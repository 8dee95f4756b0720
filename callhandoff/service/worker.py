"""Turn received calls into decisions: claim → extract → ground → route → done.

`CallWorker` is what the embedded server's threads and every Celery worker run.
It claims calls with a lease, runs them through the pipeline (`extract_stream`,
then the router, one transaction per batch), and only then marks them done; a
worker killed anywhere in between leaves its calls in processing, and when the
lease runs out another worker claims them again. Processing a call twice is
harmless: the router finds the same transcript hash and writes nothing new, so
a call ID never yields two actions.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from callhandoff.pipeline import extract_stream
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.schema.transcript import Transcript
from callhandoff.service.metrics import ServiceMetrics
from callhandoff.settings import Settings
from callhandoff.store import intake as store
from callhandoff.store.intake import IntakeRow
from callhandoff.summarizer.base import ExtractionBackend
from callhandoff.summarizer.factory import build_backend

log = logging.getLogger("callhandoff.service")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def worker_id() -> str:
    """`host:pid:random`, the lease owner a worker writes on the calls it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def release_dead_local_owners(engine: Engine, now: datetime) -> int:
    """Calls held by a process of this host that no longer exists go back to received.

    Run at start-up, so a restarted server picks its interrupted calls up at once
    instead of waiting for their leases; calls of other hosts wait for the lease.
    """
    host = socket.gethostname()
    released = 0
    for owner in store.processing_owners(engine):
        owner_host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if owner_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        released += store.release_owner(engine, owner, now)
    return released


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class CallWorker:
    """One worker: its backend, router and lease owner id (not shared between threads)."""

    engine: Engine
    settings: Settings
    backend: ExtractionBackend
    router: Router
    metrics: ServiceMetrics | None = None
    owner: str = ""
    clock: Callable[[], datetime] = _utcnow

    @classmethod
    def configured(
        cls,
        engine: Engine,
        settings: Settings,
        *,
        metrics: ServiceMetrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> CallWorker:
        """A worker with the configured backend and a router under the configured policy."""
        router = Router(
            engine, load_policy(settings.policy_path), regions=settings.phone_regions, clock=clock
        )
        backend = build_backend(settings)
        return cls(engine, settings, backend, router, metrics=metrics, clock=clock)

    def __post_init__(self) -> None:
        self.owner = self.owner or worker_id()
        # SQLite has one writer: a call per transaction keeps the webhook's insert from
        # waiting behind a whole batch's matching. PostgreSQL locks rows, not the file.
        self._route_batch = 1 if self.engine.dialect.name == "sqlite" else 32

    def run_once(self, limit: int | None = None, ids: Sequence[int] | None = None) -> int:
        """Claim and process one batch (or just the calls `ids`); how many were claimed."""
        now = self.clock()
        store.fail_exhausted(self.engine, now, self.settings.service_max_attempts)
        rows = store.claim(
            self.engine,
            self.owner,
            now,
            lease_s=self.settings.service_lease_s,
            limit=limit or self.settings.service_batch_size,
            ids=ids,
        )
        if rows:
            self.process(rows)
        return len(rows)

    def process(self, rows: list[IntakeRow]) -> list[CallResult]:
        """Extract, ground, route and store the claimed calls; mark them done."""
        ids = [row.id for row in rows]
        try:
            transcripts: list[Transcript | Rejected] = [
                Transcript.model_validate(row.transcript) for row in rows
            ]
            extracted = (
                item
                for item in extract_stream(transcripts, self.backend, self.settings)
                if not isinstance(item, Rejected)
            )
            results = list(self.router.route_many(extracted, batch_size=self._route_batch))
        except Exception as exc:  # the calls stay stored and are tried again
            log.exception("processing %d call(s) failed; they will be tried again", len(rows))
            if self.metrics is not None:
                self.metrics.failures.inc()
            store.give_back(
                self.engine,
                ids,
                self.owner,
                self.clock(),
                error=f"{type(exc).__name__}: {exc}",
                max_attempts=self.settings.service_max_attempts,
            )
            return []
        store.finish(self.engine, ids, self.owner, self.clock())
        if self.metrics is not None:
            for result in results:
                decision = result.decision.kind.value if result.decision else None
                self.metrics.observe_handoff(result.handoff.meta, decision)
        return results

    def run_forever(self, stop: threading.Event, wake: threading.Event, idle_s: float) -> None:
        """Process batches until `stop`; when idle, wait for `wake` (or `idle_s`)."""
        while not stop.is_set():
            try:
                claimed = self.run_once()
            except Exception:  # the store is unreachable: wait and try again
                log.exception("claiming calls failed")
                claimed = 0
                stop.wait(idle_s)
            if claimed == 0:
                wake.wait(idle_s)
                wake.clear()

    def close(self) -> None:
        """Close the backend."""
        self.backend.close()

"""Celery for scale-out: `serve --no-worker` publishes, `callhandoff worker` processes.

One task, `callhandoff.process_call(intake_id)`: the worker claims that call in the
store (a second task for the same call finds it claimed or done and does nothing),
runs it through the pipeline and marks it done. Tasks are acknowledged late and
requeued when a worker process is lost, transient store errors are retried a
bounded number of times, and nothing depends on the broker keeping a message: the
store is the record, and `sweep` re-publishes any call without a live task (never
published because the broker was down, or held by a worker that died).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from celery import Celery, Task
from sqlalchemy.engine import Engine

from callhandoff.exceptions import ConfigError
from callhandoff.service.worker import CallWorker
from callhandoff.settings import Settings, hide_password
from callhandoff.store import intake as intake_store
from callhandoff.store.db import open_store

log = logging.getLogger("callhandoff.service")

TASK = "callhandoff.process_call"
QUEUE = "callhandoff"
RETRIES = 5
#: After a failed publish, calls wait for the sweep this long instead of trying the broker.
BROKER_PAUSE_S = 10.0


@dataclass
class _ProcessResources:
    """One engine per worker process (built after the fork) and one worker per thread.

    The prefork and solo pools run one task at a time per process; the threads
    pool (for a hosted model: calls wait on the network) runs several, and a
    router is never shared between threads.
    """

    settings: Settings
    pid: int = 0
    engine: Engine | None = None
    local: threading.local = field(default_factory=threading.local)

    def get(self) -> CallWorker:
        if self.engine is None or self.pid != os.getpid():
            self.engine = open_store(self.settings.resolved_database_url)
            self.pid = os.getpid()
            self.local = threading.local()
        worker: CallWorker | None = getattr(self.local, "worker", None)
        if worker is None:
            worker = CallWorker.configured(self.engine, self.settings)
            self.local.worker = worker
        return worker


def make_celery(settings: Settings) -> Celery:
    """The Celery app over `CALLHANDOFF_BROKER_URL`, with the `process_call` task."""
    if not settings.broker_url:
        raise ConfigError("set CALLHANDOFF_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    app = Celery("callhandoff", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2.0,
        worker_hijack_root_logger=False,
        broker_transport_options={"visibility_timeout": int(settings.service_lease_s * 2)},
    )
    resources = _ProcessResources(settings)

    @app.task(name=TASK, bind=True, max_retries=RETRIES, acks_late=True)  # type: ignore[untyped-decorator]
    def process_call(self: Task[Any, Any], intake_id: int) -> int:
        try:
            return resources.get().run_once(ids=[intake_id])
        except sa.exc.OperationalError as exc:  # the store went away: try again shortly
            raise self.retry(exc=exc, countdown=min(2**self.request.retries, 60)) from exc

    return app


def publish(app: Celery, intake_id: int) -> bool:
    """Publish the task for one call; False (logged) when the broker cannot be reached."""
    try:
        app.send_task(TASK, args=[intake_id], queue=QUEUE, retry=False)
    except Exception as exc:  # kombu raises several kinds; the sweep publishes it later
        log.warning(
            "could not publish call %s to %s (%s); the sweep will publish it again",
            intake_id,
            hide_password(str(app.conf.broker_url)),
            type(exc).__name__,
        )
        return False
    return True


@dataclass
class Publisher:
    """Publishes a task per received call and records it; sweeps what has no live task.

    The webhook handler only hands the call's id over (`__call__` never blocks);
    `run` publishes from its own thread. After a failed publish, calls are left to
    the sweep for `BROKER_PAUSE_S` instead of each waiting for the broker's connect
    timeout. Ids still queued when the process dies are unpublished in the store,
    so the sweep publishes them.
    """

    app: Celery
    engine: Engine
    settings: Settings
    _queue: queue.SimpleQueue[int] = field(default_factory=queue.SimpleQueue)
    _down_until: float = 0.0

    def __call__(self, intake_id: int) -> None:
        """Queue one accepted call for publishing."""
        self._queue.put(intake_id)

    def run(self, stop: threading.Event) -> None:
        """Publish queued calls until `stop`, recording them in batches."""
        while not stop.is_set():
            try:
                ids = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(ids) < 500:
                try:
                    ids.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if time.monotonic() < self._down_until:
                continue  # the broker is down: the sweep publishes these
            published = []
            for intake_id in ids:
                if not publish(self.app, intake_id):
                    self._down_until = time.monotonic() + BROKER_PAUSE_S
                    break
                published.append(intake_id)
            try:
                intake_store.mark_published(self.engine, published, datetime.now(UTC))
            except Exception:  # unrecorded: the sweep may publish them again, harmlessly
                log.exception("recording published calls failed")

    def sweep(self) -> int:
        """Re-publish every call without a live task; how many were published."""
        now = datetime.now(UTC)
        intake_store.fail_exhausted(self.engine, now, self.settings.service_max_attempts)
        ids = intake_store.needing_publish(
            self.engine, now, republish_after_s=self.settings.service_republish_after_s
        )
        published = [i for i in ids if publish(self.app, i)]
        intake_store.mark_published(self.engine, published, now)
        if published:
            log.info("re-published %d call(s) without a live task", len(published))
        return len(published)

"""`callhandoff serve`: the API, plus (in one process) worker threads and a deliverer.

Two shapes:
- embedded (the default): worker threads claim received calls from the store —
  woken at once by each accepted webhook — and a deliverer thread sends the
  outbox when an endpoint is configured. No other service is needed.
- `--no-worker` with `CALLHANDOFF_BROKER_URL`: the API only stores calls and
  publishes a Celery task per call after answering; `callhandoff worker` processes
  them elsewhere. A sweep thread re-publishes calls whose task was never published
  (the broker was down) or whose worker died.

Background threads start and stop with the app's lifespan, so a test client
running the app runs them too. On start, calls a dead process of this host left in
processing go back to received at once; other hosts' wait for their lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from callhandoff.exceptions import ConfigError
from callhandoff.routing.delivery.deliverer import Deliverer
from callhandoff.routing.delivery.sender import DeliveryConfig
from callhandoff.service.app import ServiceContext, create_app
from callhandoff.service.metrics import ServiceMetrics
from callhandoff.service.webhooks import Verifier

if TYPE_CHECKING:
    from callhandoff.service.tasks import Publisher
from callhandoff.service.worker import CallWorker, release_dead_local_owners
from callhandoff.settings import Settings
from callhandoff.store.db import open_store

log = logging.getLogger("callhandoff.service")

#: How long an idle worker thread waits for a wake-up before looking at the store anyway.
IDLE_S = 1.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def verifier_from(settings: Settings) -> Verifier:
    """The webhook signature check; the secret is required."""
    if settings.webhook_secret is None:
        raise ConfigError(
            "set CALLHANDOFF_WEBHOOK_SECRET (whsec_<base64>, the signing secret the voice "
            "platform uses): the service accepts signed webhooks only"
        )
    return Verifier.from_secret(
        settings.webhook_secret.get_secret_value(), settings.webhook_tolerance_s
    )


@dataclass
class Service:
    """One `serve` process: its store, metrics, app and background threads."""

    settings: Settings
    engine: Engine
    workers: int = 1
    deliver: bool = True
    publisher: Publisher | None = None  # Celery mode: publish a task per call
    sweep: Callable[[], int] | None = None  # Celery mode: re-publish what has no live task
    clock: Callable[[], datetime] = _utcnow
    delivery_config: DeliveryConfig | None = None
    metrics: ServiceMetrics = field(init=False)
    stop: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.metrics = ServiceMetrics(self.engine)
        self.context = ServiceContext(
            engine=self.engine,
            settings=self.settings,
            verifier=verifier_from(self.settings),
            metrics=self.metrics,
            on_received=self.publisher or self._wake,
            clock=self.clock,
            extra_health=self._health,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> Service:
        """A service on the configured store."""
        return cls(settings=settings, engine=open_store(settings.resolved_database_url), **options)

    def enqueue_with(self, publisher: Publisher) -> None:
        """Publish a task per accepted call instead of processing it here; sweep periodically."""
        self.publisher, self.sweep = publisher, publisher.sweep
        self.context.on_received = publisher

    def _wake(self, _intake_id: int) -> None:
        self.wake.set()

    def _health(self) -> dict[str, Any]:
        return {
            "mode": "enqueue" if self.publisher else "embedded",
            "threads_alive": sum(t.is_alive() for t in self.threads),
            "threads": len(self.threads),
        }

    # ------------------------------------------------------------------ threads
    def _worker(self) -> CallWorker:
        return CallWorker.configured(
            self.engine, self.settings, metrics=self.metrics, clock=self.clock
        )

    def _run_worker(self, worker: CallWorker) -> None:
        try:
            worker.run_forever(self.stop, self.wake, IDLE_S)
        finally:
            worker.close()

    def _run_deliverer(self, config: DeliveryConfig) -> None:
        deliverer = Deliverer(self.engine, config, sleep=self.stop.wait, clock=self.clock)
        try:
            while not self.stop.is_set():
                try:
                    deliverer.follow(self.stop.is_set)
                except Exception:  # the store or the network failed: wait, then go on
                    log.exception("delivery pass failed")
                    self.stop.wait(config.poll_s)
        finally:
            deliverer.close()

    def _run_sweep(self, sweep: Callable[[], int]) -> None:
        while not self.stop.wait(self.settings.service_sweep_interval_s):
            try:
                sweep()
            except Exception:
                log.exception("re-publishing calls failed")

    def start(self) -> None:
        """Recover interrupted calls, then start the background threads."""
        released = release_dead_local_owners(self.engine, self.clock())
        if released:
            log.warning("%d call(s) interrupted by a stopped process are queued again", released)
        self.stop.clear()
        if self.publisher is None:
            for index in range(self.workers):
                worker = self._worker()
                self._thread(f"worker-{index}", self._run_worker, worker)
            self.wake.set()  # pick up what was left in the store
        if self.publisher is not None:
            self._thread("publisher", self.publisher.run, self.stop)
        if self.sweep is not None:
            self.sweep()
            self._thread("sweep", self._run_sweep, self.sweep)
        config = self.delivery_config or DeliveryConfig.from_settings(self.settings)
        if self.deliver and any(config.configured(d) for d in ("cloudcart", "cults")):
            self._thread("deliverer", self._run_deliverer, config)

    def _thread(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Stop the threads after their current batch."""
        self.stop.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout=timeout_s)
        self.threads.clear()

    def app(self) -> FastAPI:
        """The FastAPI app; its lifespan starts and stops the background threads."""

        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            self.start()
            try:
                yield
            finally:
                self.shutdown()

        app = create_app(self.context)
        app.router.lifespan_context = lifespan
        return app

"""The deliverer: claims due outbox rows, sends each once, schedules retries, minds the breaker.

Any number of deliverers may run against one store, on any number of machines:
a row is sent only by the deliverer holding its lease (`store.outbox.claim_due`),
and the lease is renewed right before each send, so a row whose lease ran out is
never sent by two. A failure that says the destination is in trouble (no answer,
5xx, 429) reschedules the row with exponential backoff and jitter — minutes, then
hours — and counts against the destination's breaker; once the breaker opens, rows
for that destination wait without spending attempts until one probe gets through.
A row is dead only after `max_attempts` attempts (or at once on a 4xx), and
`callhandoff outbox retry` brings it back.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.sender import DeliveryConfig, DeliveryFailure, HttpSender
from callhandoff.store import health as health_store
from callhandoff.store import outbox as store
from callhandoff.store.rows import OutboxRow, OutboxState

DESTINATIONS = ("cloudcart", "cults")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def deliverer_id() -> str:
    """`host:pid:random`, the lease owner a deliverer writes on the rows it claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DeliveryReport:
    """What delivery did: keys sent, dead-lettered, rescheduled, and left alone."""

    sent: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # destination without an endpoint
    paused: set[str] = field(default_factory=set)  # destinations whose breaker is open

    @property
    def attempted(self) -> int:
        """Rows that got an attempt."""
        return len(self.sent) + len(self.dead) + len(self.retrying)

    def add(self, other: DeliveryReport) -> None:
        """Fold another pass into this report."""
        self.sent += other.sent
        self.dead += other.dead
        self.retrying += other.retrying
        self.paused = other.paused


class Deliverer:
    """Works through the outbox as one lease owner (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        config: DeliveryConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], datetime] = _utcnow,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self.engine, self.config, self.sleep, self.clock = engine, config, sleep, clock
        self.rng = rng or random.Random()
        self.owner = owner or deliverer_id()
        self.http = HttpSender(config, transport)
        self._failing: set[str] = set()
        self._paused: set[str] = set()
        self._probing: set[str] = set()

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()

    @property
    def configured(self) -> list[str]:
        """Destinations with an endpoint."""
        return [d for d in DESTINATIONS if self.config.configured(d)]

    # ------------------------------------------------------------------ passes
    def run(self, limit: int | None = None) -> DeliveryReport:
        """One pass: every row due now (at most `limit`) gets one attempt.

        Rows of destinations without an endpoint are reported as skipped and left
        pending; rows of a paused destination wait for its probe.
        """
        report = DeliveryReport()
        self.http.reset()
        unconfigured = [d for d in DESTINATIONS if not self.config.configured(d)]
        if unconfigured:
            report.skipped = [
                row.idempotency_key
                for row in store.due(self.engine, self.clock(), limit, unconfigured)
            ]
        seen: set[int] = set()
        while limit is None or report.attempted < limit:
            room = self.config.claim_batch
            if limit is not None:
                room = min(room, limit - report.attempted)
            batch = self._claim(room)
            fresh = [row for row in batch if row.id not in seen]
            store.release(
                self.engine, [row.id for row in batch if row.id in seen], self.owner, self.clock()
            )
            if not fresh:
                break
            seen.update(row.id for row in fresh)
            self._send_batch(fresh, report)
        report.paused = set(self._paused)
        return report

    def follow(
        self,
        should_stop: Callable[[], bool],
        on_pass: Callable[[DeliveryReport], None] | None = None,
    ) -> DeliveryReport:
        """Deliver continuously until `should_stop()`; idle passes wait `poll_s`."""
        total = DeliveryReport()
        while not should_stop():
            report = self.run()
            total.add(report)
            if on_pass is not None:
                on_pass(report)
            if report.attempted == 0 and not should_stop():
                self.sleep(self.config.poll_s)
        return total

    # ------------------------------------------------------------------ claiming
    def _claim(self, limit: int) -> list[OutboxRow]:
        """Lease due rows of healthy destinations, plus one probe row per recovering one."""
        now = self.clock()
        states = health_store.health(self.engine)
        self._failing = {d for d, h in states.items() if h.failures > 0 or h.opened > 0}
        self._paused, self._probing = set(), set()
        healthy: list[str] = []
        hold = 2 * self.config.timeout_s + 5
        for destination in self.configured:
            state = states.get(destination)
            if state is None or state.open_until is None:
                healthy.append(destination)
            elif state.paused(now) or not health_store.take_probe(
                self.engine, destination, now, hold
            ):
                self._paused.add(destination)
            else:
                self._probing.add(destination)
        rows: list[OutboxRow] = []
        for destination in sorted(self._probing):
            rows += store.claim_due(
                self.engine,
                self.owner,
                now,
                lease_s=self.config.lease_s,
                limit=1,
                destinations=[destination],
            )
        rows += store.claim_due(
            self.engine,
            self.owner,
            now,
            lease_s=self.config.lease_s,
            limit=max(limit - len(rows), 0),
            destinations=healthy,
        )
        return rows

    # ------------------------------------------------------------------ sending
    def _send_batch(self, batch: list[OutboxRow], report: DeliveryReport) -> None:
        for index, claimed in enumerate(batch):
            if claimed.destination in self._paused:
                left = [r.id for r in batch[index:] if r.destination == claimed.destination]
                store.release(self.engine, left, self.owner, self.clock())
                continue
            row = store.renew(
                self.engine, claimed.id, self.owner, self.clock(), self.config.lease_s
            )
            if row is None:  # superseded meanwhile, or the lease ran out: not ours to send
                continue
            outcome = self._deliver(row)
            {
                OutboxState.SENT: report.sent,
                OutboxState.DEAD: report.dead,
                OutboxState.PENDING: report.retrying,
            }[outcome].append(row.idempotency_key)

    def _deliver(self, row: OutboxRow) -> OutboxState:
        attempt = row.attempts + 1
        started = time.perf_counter()
        probe = row.destination in self._probing
        try:
            status = self.http.deliver(row)
        except DeliveryFailure as failure:
            return self._failed(row, attempt, failure, started, probe=probe)
        self._reachable(row.destination)
        store.record_attempt(
            self.engine,
            row,
            owner=self.owner,
            attempt=attempt,
            now=self.clock(),
            status_code=status,
            error=None,
            duration_ms=(time.perf_counter() - started) * 1000,
            outcome=OutboxState.SENT,
        )
        return OutboxState.SENT

    def _failed(
        self, row: OutboxRow, attempt: int, failure: DeliveryFailure, started: float, *, probe: bool
    ) -> OutboxState:
        elapsed = (time.perf_counter() - started) * 1000
        now = self.clock()
        if failure.retryable:
            paused = health_store.record_failure(
                self.engine,
                row.destination,
                now,
                self.config.breaker,
                error=str(failure),
                retry_after_s=failure.retry_after,
                probe=probe,
            )
            self._failing.add(row.destination)
            if paused is not None:
                self._paused.add(row.destination)
        else:
            self._reachable(row.destination)
        give_up = not failure.retryable or attempt >= self.config.max_attempts
        delay = self.config.backoff(attempt, failure.retry_after, self.rng)
        store.record_attempt(
            self.engine,
            row,
            owner=self.owner,
            attempt=attempt,
            now=now,
            status_code=failure.status,
            error=str(failure),
            duration_ms=elapsed,
            outcome=OutboxState.DEAD if give_up else OutboxState.PENDING,
            next_attempt_at=None if give_up else now + timedelta(seconds=delay),
        )
        return OutboxState.DEAD if give_up else OutboxState.PENDING

    def _reachable(self, destination: str) -> None:
        """The destination answered: close its breaker if it had one open or counting."""
        self._probing.discard(destination)
        if destination in self._failing:
            health_store.record_success(self.engine, destination, self.clock())
            self._failing.discard(destination)

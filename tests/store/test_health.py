"""The shared destination breaker, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callhandoff.store import health
from callhandoff.store.db import open_store
from callhandoff.store.health import Breaker

BREAKER = Breaker(threshold=3, cooldown_s=30, cooldown_max_s=100)


def test_the_breaker_opens_at_the_threshold_probes_once_and_closes_on_success(
    store_url: str,
) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    assert health.record_failure(engine, "cloudcart", now, BREAKER, error="HTTP 503") is None
    assert health.record_failure(engine, "cloudcart", now, BREAKER, error="HTTP 503") is None
    until = health.record_failure(engine, "cloudcart", now, BREAKER, error="HTTP 503")
    assert until == now + timedelta(seconds=30)
    again = health.record_failure(engine, "cloudcart", now, BREAKER, error="in flight")
    assert again == until, "a failure while paused lengthened the pause"
    later = until + timedelta(seconds=1)
    assert health.take_probe(engine, "cloudcart", later, hold_s=20)
    assert not health.take_probe(engine, "cloudcart", later, hold_s=20), "two probes"
    reopened = health.record_failure(
        engine, "cloudcart", later, BREAKER, error="probe failed", probe=True
    )
    assert reopened == later + timedelta(seconds=60)
    health.record_success(engine, "cloudcart", later)
    state = health.health(engine)["cloudcart"]
    assert (state.failures, state.opened, state.open_until) == (0, 0, None)


def test_retry_after_longer_than_the_cooldown_is_honoured(store_url: str) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    for _ in range(2):
        health.record_failure(engine, "cults", now, BREAKER, error="429")
    until = health.record_failure(engine, "cults", now, BREAKER, error="429", retry_after_s=900)
    assert until == now + timedelta(seconds=900)
    assert BREAKER.cooldown(10) == 100

"""The deliverer over time and in numbers: backoff, the breaker, outages, many deliverers, kills.

Time-dependent tests run on a fake clock whose `sleep` moves time forward, so a
two-hour backoff takes milliseconds; the receiver's outage follows the same clock.
The drills start real `callhandoff deliver --follow` processes on SQLite and on
PostgreSQL and count what a local receiver got.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.deliverer import Deliverer
from callhandoff.routing.delivery.receiver import Receiver, running_receiver
from callhandoff.routing.delivery.sender import DeliveryConfig
from callhandoff.service.drill import delivery_drill, seed_outbox
from callhandoff.store import health as health_store
from callhandoff.store import outbox as outbox_store
from callhandoff.store.health import Breaker
from callhandoff.store.rows import OutboxState


class FakeClock:
    """Now, and a sleep that moves now forward instead of waiting."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
        self.start = self.now

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    @property
    def elapsed_s(self) -> float:
        return (self.now - self.start).total_seconds()


def _config(url: str, **overrides: object) -> DeliveryConfig:
    values: dict[str, object] = {
        "urls": {"cloudcart": url, "cults": url},
        "token": SecretStr("s3cret"),
        "timeout_s": 5.0,
        "poll_s": 5.0,
    }
    values.update(overrides)
    return DeliveryConfig(**values)  # type: ignore[arg-type]


def _follow(
    engine: Engine, config: DeliveryConfig, clock: FakeClock, *, until_s: float, receiver: Receiver
) -> Deliverer:
    """Deliver on the fake clock until nothing is pending or `until_s` fake seconds passed."""
    deliverer = Deliverer(engine, config, sleep=clock.sleep, clock=clock, rng=random.Random(3))

    def done() -> bool:
        return outbox_store.counts(engine)[OutboxState.PENDING] == 0 or clock.elapsed_s >= until_s

    try:
        deliverer.follow(done)
    finally:
        deliverer.close()
    return deliverer


def test_backoff_doubles_with_jitter_up_to_the_cap_and_retry_after_wins() -> None:
    config = _config("", backoff_s=30.0, backoff_max_s=3600.0)
    rng = random.Random(0)
    for attempt, full in [(1, 30), (2, 60), (5, 480), (8, 3600), (20, 3600)]:
        delays = [config.backoff(attempt, rng=rng) for _ in range(200)]
        assert full / 2 <= min(delays) and max(delays) <= full
        assert max(delays) - min(delays) > full / 4, "no jitter"
    assert config.backoff(1, retry_after=900.0, rng=rng) == 900.0


def test_a_destination_that_keeps_failing_kills_a_row_only_after_hours(
    empty_engine: Engine,
) -> None:
    (key,) = seed_outbox(empty_engine, 1)
    clock = FakeClock()
    with running_receiver(Receiver(down=500)) as receiver:
        config = _config(receiver.url, poll_s=300.0)
        _follow(empty_engine, config, clock, until_s=48 * 3600, receiver=receiver)
    (row,) = outbox_store.list_rows(empty_engine)
    assert (row.idempotency_key, row.state, row.attempts) == (key, "dead", 15)
    assert clock.elapsed_s > 4 * 3600, f"dead after only {clock.elapsed_s:.0f} s"
    assert receiver.arrivals[key] == 15


def test_an_outage_pauses_the_destination_instead_of_burning_every_row(
    empty_engine: Engine,
) -> None:
    keys = seed_outbox(empty_engine, 200)
    clock = FakeClock()
    config = _config("", breaker=Breaker(threshold=5, cooldown_s=30.0, cooldown_max_s=600.0))
    with running_receiver(Receiver(down=503)) as receiver:
        config = _config(receiver.url, breaker=config.breaker)
        deliverer = Deliverer(empty_engine, config, sleep=clock.sleep, clock=clock)
        report = deliverer.run()
        deliverer.close()
    assert report.paused == {"cloudcart"}
    assert len(report.retrying) == 5 and report.dead == []
    rows = outbox_store.list_rows(empty_engine, limit=1000)
    assert sum(1 for r in rows if r.attempts == 0) == len(keys) - 5
    assert all(r.lease_owner is None for r in rows)
    state = health_store.health(empty_engine)["cloudcart"]
    assert state.paused(clock()) and state.failures == 5


def test_a_two_minute_outage_delays_every_action_and_kills_none(empty_engine: Engine) -> None:
    keys = seed_outbox(empty_engine, 300)
    clock = FakeClock()
    receiver = Receiver(down=503)

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.elapsed_s >= 120:
            receiver.down = None

    with running_receiver(receiver):
        config = _config(receiver.url, backoff_s=30.0, backoff_max_s=3600.0)
        deliverer = Deliverer(empty_engine, config, sleep=sleep, clock=clock)
        deliverer.follow(
            lambda: (
                outbox_store.counts(empty_engine)[OutboxState.PENDING] == 0
                or clock.elapsed_s > 6 * 3600
            )
        )
        deliverer.close()
    totals = outbox_store.counts(empty_engine)
    assert (totals[OutboxState.SENT], totals[OutboxState.DEAD]) == (300, 0)
    assert sorted(k for k, n in receiver.applied.items() if n) == sorted(keys)
    assert receiver.sent_twice() == []
    failed = sum(receiver.arrivals.values()) - 300
    assert failed <= 12, f"{failed} requests burnt during the outage"
    assert clock.elapsed_s < 15 * 60, "delivery did not resume within minutes of recovery"
    assert health_store.health(empty_engine)["cloudcart"].failures == 0


def test_retry_requeues_dead_rows_with_fresh_attempts(empty_engine: Engine) -> None:
    keys = seed_outbox(empty_engine, 3)
    clock = FakeClock()
    with running_receiver(Receiver(statuses=[422, 422])) as receiver:
        deliverer = Deliverer(empty_engine, _config(receiver.url), clock=clock)
        first = deliverer.run()
        assert sorted(first.dead) == keys[:2] and first.sent == [keys[2]]
        assert outbox_store.requeue(empty_engine, clock(), keys=[keys[2]]) == []
        assert outbox_store.requeue(empty_engine, clock(), dead=True) == keys[:2]
        assert [r.attempts for r in outbox_store.list_rows(empty_engine)][:2] == [0, 0]
        second = deliverer.run()
        deliverer.close()
    assert sorted(second.sent) == keys[:2]
    assert all(receiver.applied[k] == 1 for k in keys)


def test_a_waiting_row_can_be_sent_now(empty_engine: Engine) -> None:
    (key,) = seed_outbox(empty_engine, 1)
    clock = FakeClock()
    with running_receiver(Receiver(statuses=[500])) as receiver:
        deliverer = Deliverer(empty_engine, _config(receiver.url), clock=clock)
        assert deliverer.run().retrying == [key]
        assert deliverer.run().attempted == 0, "the row waits for its backoff"
        assert outbox_store.requeue(empty_engine, clock(), keys=[key]) == [key]
        assert deliverer.run().sent == [key]
        deliverer.close()


@pytest.mark.slow
def test_four_deliverers_send_a_thousand_actions_each_exactly_once(store_url: str) -> None:
    report = delivery_drill(store_url, actions=1_000, deliverers=4, timeout_s=300)
    assert report.lost == [] and report.dead == 0
    assert report.keys_sent_twice == []
    assert report.requests == 1_000


@pytest.mark.slow
def test_twenty_random_kills_lose_nothing_and_apply_nothing_twice(store_url: str) -> None:
    report = delivery_drill(
        store_url, actions=1_000, deliverers=3, kills=20, kill_every_s=0.3, timeout_s=300
    )
    assert report.kills == 20
    assert report.lost == [] and report.dead == 0 and report.applied == 1_000
    # A kill between the destination's answer and the commit re-sends that one row
    # (same Idempotency-Key, so an idempotent destination applies it once): at most
    # one re-send per kill.
    assert len(report.keys_sent_twice) <= report.kills

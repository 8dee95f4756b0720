"""Outbox claims, leases and requeues, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from callhandoff.service.drill import seed_outbox
from callhandoff.store import outbox
from callhandoff.store.db import open_store
from callhandoff.store.rows import OutboxState

CLOUDCART = ["cloudcart"]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(store_url: str) -> None:
    engine = open_store(store_url)
    seed_outbox(engine, 5)
    now = datetime.now(UTC)
    first = outbox.claim_due(engine, "a", now, lease_s=60, limit=3, destinations=CLOUDCART)
    second = outbox.claim_due(engine, "b", now, lease_s=60, limit=10, destinations=CLOUDCART)
    assert len(first) == 3 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}
    assert outbox.due(engine, now) == []
    later = now + timedelta(seconds=61)
    assert outbox.renew(engine, first[0].id, "a", later, 60) is None, "an expired lease renewed"
    third = outbox.claim_due(engine, "c", later, lease_s=60, limit=10, destinations=CLOUDCART)
    assert len(third) == 5
    assert not outbox.record_attempt(
        engine,
        first[0],
        owner="a",
        attempt=1,
        now=later,
        status_code=200,
        error=None,
        duration_ms=1.0,
        outcome=OutboxState.SENT,
    ), "a deliverer whose lease was taken over still moved the row"
    assert outbox.list_rows(engine)[0].state == "pending"


def test_concurrent_claims_never_share_a_row(store_url: str) -> None:
    engine = open_store(store_url)
    seed_outbox(engine, 400)
    now = datetime.now(UTC)
    claimed: list[list[int]] = [[] for _ in range(6)]

    def claim(index: int) -> None:
        while True:
            rows = outbox.claim_due(
                engine, f"d{index}", now, lease_s=60, limit=7, destinations=CLOUDCART
            )
            if not rows:
                return
            claimed[index] += [r.id for r in rows]

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [row_id for ids in claimed for row_id in ids]
    assert len(every) == len(set(every)) == 400


def test_requeue_brings_back_dead_rows_and_waiting_keys_but_never_sent_ones(
    store_url: str,
) -> None:
    engine = open_store(store_url)
    keys = seed_outbox(engine, 3)
    now = datetime.now(UTC)
    rows = outbox.claim_due(engine, "a", now, lease_s=60, limit=3, destinations=CLOUDCART)
    outcomes = [OutboxState.SENT, OutboxState.DEAD, OutboxState.PENDING]
    for row, outcome in zip(rows, outcomes, strict=True):
        outbox.record_attempt(
            engine,
            row,
            owner="a",
            attempt=1,
            now=now,
            status_code=500,
            error="x",
            duration_ms=1.0,
            outcome=outcome,
            next_attempt_at=now + timedelta(hours=1) if outcome is OutboxState.PENDING else None,
        )
    assert outbox.requeue(engine, now, keys=[keys[0]]) == []
    assert outbox.requeue(engine, now, dead=True) == [keys[1]]
    assert outbox.requeue(engine, now, keys=[keys[2]]) == [keys[2]]
    assert {r.idempotency_key for r in outbox.due(engine, now)} == set(keys[1:])

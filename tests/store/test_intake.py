"""Received calls: stored once per webhook id, claimed by one worker, recovered, on both stores."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from callhandoff.store import intake
from callhandoff.store.db import open_store
from callhandoff.store.intake import IntakeState
from callhandoff.store.tables import inbound_calls


def _receive(engine: object, webhook_id: str, call_id: str, now: datetime) -> tuple[object, bool]:
    return intake.receive(
        engine,  # type: ignore[arg-type]
        webhook_id=webhook_id,
        call_id=call_id,
        transcript={"call_id": call_id},
        content_hash="h",
        response={"call_id": call_id},
        now=now,
    )


def test_a_webhook_id_is_stored_once(store_url: str) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    first, new = _receive(engine, "msg_1", "c-1", now)
    again, new_again = _receive(engine, "msg_1", "c-1", now)
    assert new and not new_again
    assert first == again
    assert intake.counts(engine)[IntakeState.RECEIVED] == 1


def test_concurrent_workers_never_claim_one_call_twice(store_url: str) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    for i in range(300):
        _receive(engine, f"msg_{i}", f"c-{i}", now)
    got: list[list[int]] = [[] for _ in range(5)]

    def work(index: int) -> None:
        while rows := intake.claim(engine, f"w{index}", now, lease_s=60, limit=9):
            got[index] += [r.id for r in rows]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for ids in got for i in ids]
    assert len(every) == len(set(every)) == 300


def test_a_dead_workers_calls_come_back_and_fail_after_the_last_attempt(store_url: str) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    _receive(engine, "msg_1", "c-1", now)
    for attempt in range(1, 4):
        (row,) = intake.claim(engine, f"w{attempt}", now, lease_s=10, limit=5)
        assert row.attempts == attempt
        assert intake.claim(engine, "other", now, lease_s=10, limit=5) == []
        now += timedelta(seconds=11)  # the worker died: its lease runs out
        assert intake.needing_publish(engine, now, republish_after_s=300) == [row.id]
    assert intake.fail_exhausted(engine, now, max_attempts=3) == 1
    assert intake.counts(engine)[IntakeState.FAILED] == 1
    assert intake.claim(engine, "w", now, lease_s=10, limit=5) == []


def test_release_owner_puts_its_calls_back_at_once(store_url: str) -> None:
    engine = open_store(store_url)
    now = datetime.now(UTC)
    _receive(engine, "msg_1", "c-1", now)
    intake.claim(engine, "host:123:x", now, lease_s=3600, limit=5)
    assert intake.processing_owners(engine) == ["host:123:x"]
    assert intake.release_owner(engine, "host:123:x", now) == 1
    assert len(intake.claim(engine, "w", now, lease_s=10, limit=5)) == 1


def test_a_task_claiming_its_call_waits_out_a_short_write_on_that_row(store_url: str) -> None:
    """The publisher records `published_at` for a batch of calls while a worker's task
    claims one of them: the claim waits for that write instead of coming back empty
    (which left the call to the sweep, minutes later)."""
    engine = open_store(store_url)
    now = datetime.now(UTC)
    row, _ = _receive(engine, "msg_1", "c-1", now)
    call_id = row.id  # type: ignore[attr-defined]
    writing = engine.connect()
    transaction = writing.begin()
    writing.execute(
        inbound_calls.update().where(inbound_calls.c.id == call_id).values(published_at=now)
    )  # the row is locked until this commits (on SQLite the whole store is)
    got: list[list[int]] = []
    claimer = threading.Thread(
        target=lambda: got.append(
            [r.id for r in intake.claim(engine, "w1", now, lease_s=60, limit=1, ids=[call_id])]
        )
    )
    claimer.start()
    claimer.join(timeout=0.5)
    transaction.commit()
    writing.close()
    claimer.join(timeout=30)
    assert got == [[call_id]]

"""A delivery drill: real deliverer processes, random SIGKILLs, an outage, a counting receiver.

`delivery_drill` fills a store's outbox with `actions` actions, starts a local
receiver (`callhandoff.routing.delivery.receiver`) and `deliverers` processes of
`callhandoff deliver --follow`, optionally answers 503 for the first `outage_s`
seconds, kills a random deliverer with SIGKILL every `kill_every_s` seconds
(`kills` times, each replaced by a new one), and waits until every action is sent
or dead. Its `DrillReport` says how many keys were sent twice — what a destination
that ignored Idempotency-Key would have applied twice — how many were never
applied, and how many ended dead. The tests and `benchmarks/` call it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.receiver import Receiver, running_receiver
from callhandoff.store import outbox as outbox_store
from callhandoff.store.calls import save_new_calls
from callhandoff.store.db import open_store
from callhandoff.store.rows import OutboxState
from callhandoff.store.writes import OutboxWrite, RoutingWrite


@dataclass
class DrillReport:
    """What a drill did and what the receiver saw."""

    actions: int
    deliverers: int
    kills: int
    outage_s: float
    seconds: float
    applied: int  # keys applied at least once
    keys_sent_twice: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # never applied
    dead: int = 0
    requests: int = 0
    restarts: int = 0

    @property
    def keys_applied_twice(self) -> int:
        """Keys a destination ignoring Idempotency-Key would have applied more than once."""
        return len(self.keys_sent_twice)

    def lines(self) -> list[str]:
        """The figures, one per line."""
        return [
            f"actions {self.actions}, deliverers {self.deliverers}, kills {self.kills}, "
            f"outage {self.outage_s:g} s",
            f"finished in {self.seconds:.1f} s; {self.requests} action requests",
            f"applied once: {self.applied}; never applied: {len(self.lost)}; dead: {self.dead}",
            f"keys sent twice (applied twice without Idempotency-Key): {self.keys_applied_twice}",
        ]


def seed_outbox(engine: Engine, count: int, prefix: str = "drill") -> list[str]:
    """`count` pending create actions for cloudcart (one call each); their keys."""
    now = datetime.now(UTC)
    keys, writes = [], []
    with engine.begin() as connection:
        for index in range(count):
            call_id = f"{prefix}-{index:06d}"
            key = f"{call_id}:create_subscriber"
            payload = {"subscriber": {"call_id": call_id, "customer_id": f"C-{index}"}}
            write = RoutingWrite(
                call_id=call_id,
                destination="cloudcart",
                store=None,
                content_hash=f"{index:064d}",
                source="drill",
                transcript={"call_id": call_id, "turns": []},
                handoff={"call_id": call_id, "meta": {"backend": "drill"}},
                handoff_keys={"meta": {"backend": "drill"}},
                kind="create",
                reasons=[{"code": "create_handoff", "message": "drill"}],
                idempotency_key=key,
                policy_version="drill",
                match={},
                facts={},
                trace={},
                action={"destination": "cloudcart", "action": "create_subscriber"},
                priority=None,
                outbox=OutboxWrite("cloudcart", "create_subscriber", payload, None),
            )
            writes.append(write)
            keys.append(key)
        save_new_calls(connection, writes, now)
    return keys


def _deliverer(
    database_url: str, receiver_url: str, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "callhandoff", "deliver", "--send", "--follow"],
        env={
            **os.environ,
            **env,
            "CALLHANDOFF_DATABASE_URL": database_url,
            "CALLHANDOFF_CLOUDCART_URL": receiver_url,
            "CALLHANDOFF_DESTINATION_TOKEN": "drill",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=Path.cwd(),
    )


def delivery_drill(
    database_url: str,
    *,
    actions: int = 1_000,
    deliverers: int = 4,
    kills: int = 0,
    kill_every_s: float = 0.5,
    outage_s: float = 0.0,
    timeout_s: float = 600.0,
    lease_s: float = 5.0,
    settings_env: dict[str, str] | None = None,
    seed: int = 1,
) -> DrillReport:
    """Run the drill on an empty store at `database_url` (see the module docstring)."""
    engine = open_store(database_url)
    keys = seed_outbox(engine, actions)
    rng = random.Random(seed)
    env = {
        "CALLHANDOFF_DELIVERY_LEASE_S": str(lease_s),
        "CALLHANDOFF_DELIVERY_POLL_S": "0.2",
        **(settings_env or {}),
    }
    started = time.monotonic()
    receiver = Receiver(keep_requests=False, down=503 if outage_s > 0 else None)
    done_kills = 0
    with running_receiver(receiver):
        running = [_deliverer(database_url, receiver.url, env) for _ in range(deliverers)]
        try:
            next_kill = started + kill_every_s
            while time.monotonic() - started < timeout_s:
                if receiver.down is not None and time.monotonic() - started >= outage_s:
                    receiver.down = None
                if done_kills < kills and time.monotonic() >= next_kill:
                    victim = running.pop(rng.randrange(len(running)))
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    running.append(_deliverer(database_url, receiver.url, env))
                    done_kills += 1
                    next_kill = time.monotonic() + kill_every_s
                totals = outbox_store.counts(engine)
                if totals[OutboxState.PENDING] == 0 and done_kills >= kills:
                    break
                time.sleep(0.1)
        finally:
            for process in running:
                process.send_signal(signal.SIGTERM)
            for process in running:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        seconds = time.monotonic() - started
        totals = outbox_store.counts(engine)
        with receiver.lock:
            applied = {key for key, n in receiver.applied.items() if n > 0}
            requests = receiver.actions
    engine.dispose()
    return DrillReport(
        actions=actions,
        deliverers=deliverers,
        kills=done_kills,
        outage_s=outage_s,
        seconds=seconds,
        applied=len(applied & set(keys)),
        keys_sent_twice=receiver.sent_twice(),
        lost=sorted(set(keys) - applied),
        dead=totals[OutboxState.DEAD],
        requests=requests,
        restarts=done_kills,
    )

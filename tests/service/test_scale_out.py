"""Scale-out for real: PostgreSQL + Redis, `serve --no-worker`, Celery workers, deliverers.

2,000 signed webhooks go to a real `callhandoff serve --no-worker`; 3 `callhandoff
worker` processes process them and 2 `callhandoff deliver --follow` send the
actions to a counting receiver. Two workers are SIGKILLed mid-run and started
again. Afterwards every call is decided, every action was applied exactly once,
and no call is lost.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from callhandoff.routing.delivery.receiver import Receiver, running_receiver
from callhandoff.store import intake as intake_store
from callhandoff.store import outbox as outbox_store
from callhandoff.store.db import open_store
from callhandoff.store.intake import IntakeState
from callhandoff.store.rows import OutboxState
from callhandoff.store.tables import decisions
from tests.service.conftest import loaded_store
from tests.service.helpers import SECRET, as_body, example_calls, signed
from tests.service.processes import command, start_server, stop

CALLS = 2_000


def _bodies() -> list[dict[str, object]]:
    examples = [as_body(t) for t in example_calls()]
    return [
        {**examples[i % len(examples)], "call_id": f"{examples[i % len(examples)]['call_id']}-{i}"}
        for i in range(CALLS)
    ]


@pytest.mark.slow
def test_workers_killed_mid_run_lose_no_call_and_apply_no_action_twice(
    postgres_url: str, redis_server: object, tmp_path: Path
) -> None:
    loaded_store(postgres_url)
    engine = open_store(postgres_url)
    env = {
        "CALLHANDOFF_DATABASE_URL": postgres_url,
        "CALLHANDOFF_BROKER_URL": redis_server.url,  # type: ignore[attr-defined]
        "CALLHANDOFF_WEBHOOK_SECRET": SECRET,
        "CALLHANDOFF_SERVICE_LEASE_S": "8",
        "CALLHANDOFF_SERVICE_SWEEP_INTERVAL_S": "1",
        "CALLHANDOFF_SERVICE_REPUBLISH_AFTER_S": "20",
        "CALLHANDOFF_DELIVERY_LEASE_S": "8",
        "CALLHANDOFF_DELIVERY_POLL_S": "0.2",
    }
    processes = []
    with running_receiver(Receiver(keep_requests=False)) as receiver:
        delivery_env = {
            **env,
            "CALLHANDOFF_CLOUDCART_URL": receiver.url,
            "CALLHANDOFF_CULTS_URL": receiver.url,
        }
        server, url = start_server(env, tmp_path, "--no-worker", "--no-deliver")
        processes.append(server)
        workers = [command(["worker", "--pool", "solo"], env, tmp_path) for _ in range(3)]
        deliverers = [
            command(["deliver", "--send", "--follow"], delivery_env, tmp_path) for _ in range(2)
        ]
        processes += workers + deliverers
        try:
            bodies = _bodies()
            with httpx.Client(base_url=url, timeout=10) as client:
                for index, body in enumerate(bodies):
                    data, headers = signed(body)
                    response = client.post("/v1/calls", content=data, headers=headers)
                    assert response.status_code == 202, response.text
                    if index == CALLS // 2:
                        for victim in workers[:2]:
                            victim.send_signal(signal.SIGKILL)
                            victim.wait()
                        restarted = [
                            command(["worker", "--pool", "solo"], env, tmp_path) for _ in range(2)
                        ]
                        workers = restarted + workers[2:]
                        processes += restarted
            deadline = time.monotonic() + 300
            while True:
                done = intake_store.counts(engine)[IntakeState.DONE]
                pending = outbox_store.counts(engine)[OutboxState.PENDING]
                if done == CALLS and pending == 0:
                    break
                assert time.monotonic() < deadline, (intake_store.counts(engine), pending)
                time.sleep(0.5)
            status = httpx.get(f"{url}/v1/calls/{bodies[-1]['call_id']}").json()
        finally:
            stop(processes)

    assert intake_store.counts(engine)[IntakeState.FAILED] == 0
    with engine.connect() as connection:
        decided = set(connection.execute(sa.select(decisions.c.call_id).distinct()).scalars())
    assert decided == {str(b["call_id"]) for b in bodies}, "a call was lost"
    keys = [row.idempotency_key for row in outbox_store.list_rows(engine, limit=10_000)]
    assert len(keys) == len(set(keys)) and len(keys) >= CALLS // 13
    assert sorted(k for k, n in receiver.applied.items() if n) == sorted(keys)
    assert receiver.sent_twice() == []
    assert status["status"] in {"decided", "delivered"}

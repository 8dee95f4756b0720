"""A call's life in the service: received → processing → decided → delivered, failures, restarts."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from callhandoff.routing.delivery.deliverer import Deliverer
from callhandoff.routing.delivery.receiver import running_receiver
from callhandoff.routing.delivery.sender import DeliveryConfig
from callhandoff.routing.policy.file import load_policy
from callhandoff.routing.router import Router
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.service.embedded import Service
from callhandoff.service.worker import CallWorker
from callhandoff.store import intake as intake_store
from callhandoff.store import outbox as outbox_store
from callhandoff.store.intake import IntakeState
from callhandoff.summarizer.offline import OfflineBackend
from tests.service.conftest import make_settings
from tests.service.helpers import as_body, example_calls, signed

CREATE_CALL = "dn-2025-03-0010"  # an example call decided create_subscriber


def _post_examples(client: TestClient) -> list[str]:
    ids = []
    for transcript in example_calls():
        data, headers = signed(as_body(transcript))
        assert client.post("/v1/calls", content=data, headers=headers).status_code == 202
        ids.append(transcript.call_id)
    return ids


def _status(client: TestClient, call_id: str) -> dict[str, Any]:
    result: dict[str, Any] = client.get(f"/v1/calls/{call_id}").json()
    return result


def _worker(service: Service, backend: Any = None, owner: str = "") -> CallWorker:
    settings = service.settings
    return CallWorker(
        engine=service.engine,
        settings=settings,
        backend=backend or OfflineBackend(settings),
        router=Router(service.engine, load_policy(None), regions=settings.phone_regions),
        owner=owner,
    )


def test_a_call_goes_received_processing_decided_delivered(service: Service) -> None:
    client = TestClient(service.app())
    _post_examples(client)
    assert _status(client, CREATE_CALL)["status"] == "received"

    worker = _worker(service)
    now = datetime.now(UTC)
    rows = intake_store.claim(service.engine, worker.owner, now, lease_s=60, limit=100)
    assert len(rows) == 13
    assert _status(client, CREATE_CALL)["status"] == "processing"

    worker.process(rows)
    decided = _status(client, CREATE_CALL)
    assert decided["status"] == "decided"
    assert decided["decision"]["kind"] == "create"
    assert decided["decision"]["reasons"][0]["code"] == "create_handoff"
    assert decided["outbox"][0]["state"] == "pending"
    assert decided["handoff"]["summary"]

    with running_receiver() as receiver:
        config = DeliveryConfig(urls={"cloudcart": receiver.url, "cults": receiver.url})
        deliverer = Deliverer(service.engine, config)
        deliverer.run()
        deliverer.close()
    delivered = _status(client, CREATE_CALL)
    assert delivered["status"] == "delivered"
    assert delivered["outbox"][0]["state"] == "sent"
    assert receiver.applied[f"{CREATE_CALL}:create_subscriber"] == 1
    statuses = [_status(client, t.call_id) for t in example_calls()]
    review = next(s for s in statuses if s["review"])
    assert review["status"] == "decided" and review["review"][0]["state"] == "open"


class _Broken:
    """A backend whose extraction raises: the call must stay stored and end failed."""

    name = "broken"

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        for _ in transcripts:
            raise RuntimeError("the backend is broken")
        yield from ()

    def close(self) -> None:
        return None


def test_a_call_whose_processing_keeps_failing_ends_failed_with_the_error(
    service: Service,
) -> None:
    client = TestClient(service.app())
    data, headers = signed(as_body(example_calls()[0]))
    call_id = client.post("/v1/calls", content=data, headers=headers).json()["call_id"]
    worker = _worker(service, backend=_Broken())
    for attempt in range(1, service.settings.service_max_attempts + 1):
        assert worker.run_once() == 1
        expected = "failed" if attempt == service.settings.service_max_attempts else "received"
        assert _status(client, call_id)["status"] == expected
    status = _status(client, call_id)
    assert "the backend is broken" in status["error"] and status["attempts"] == 5
    assert worker.run_once() == 0


def test_calls_left_received_or_processing_are_picked_up_on_restart(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url)
    first = Service.from_settings(settings, workers=1, deliver=False)
    client = TestClient(first.app())  # accepts calls, never starts its worker
    ids = _post_examples(client)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    from socket import gethostname

    intake_store.claim(
        first.engine, f"{gethostname()}:{dead}:gone", datetime.now(UTC), lease_s=3600, limit=4
    )
    assert intake_store.counts(first.engine)[IntakeState.PROCESSING] == 4

    restarted = Service.from_settings(settings, workers=1, deliver=False)
    with TestClient(restarted.app()) as client2:
        deadline = time.monotonic() + 60
        while intake_store.counts(restarted.engine)[IntakeState.DONE] < len(ids):
            assert time.monotonic() < deadline, intake_store.counts(restarted.engine)
            time.sleep(0.05)
        statuses = {c: _status(client2, c)["status"] for c in ids}
    assert set(statuses.values()) == {"decided"}
    keys = [r.idempotency_key for r in outbox_store.list_rows(restarted.engine)]
    assert len(keys) == len(set(keys)) == 5  # the example calls decided create or update


def test_a_call_processed_again_after_a_crash_yields_one_action(service: Service) -> None:
    client = TestClient(service.app())
    _post_examples(client)
    crashed = _worker(service, owner="other-host:1:crashed")
    now = datetime.now(UTC)
    rows = intake_store.claim(service.engine, crashed.owner, now, lease_s=1, limit=100)
    list(crashed.router.route_many(_extracted(crashed, rows)))  # routed, never marked done
    assert intake_store.counts(service.engine)[IntakeState.PROCESSING] == 13

    later = _worker(service)
    later.clock = lambda: now + timedelta(seconds=2)  # the crashed worker's lease ran out
    assert later.run_once(limit=100) == 13
    assert intake_store.counts(service.engine)[IntakeState.DONE] == 13
    keys = [r.idempotency_key for r in outbox_store.list_rows(service.engine)]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 5


def _extracted(worker: CallWorker, rows: list[intake_store.IntakeRow]) -> Iterator[Any]:
    from callhandoff.pipeline import extract_stream

    transcripts: list[Any] = [Transcript.model_validate(r.transcript) for r in rows]
    yield from extract_stream(transcripts, worker.backend, worker.settings)


def test_the_embedded_deliverer_sends_what_the_workers_decided(sqlite_url: str) -> None:
    with running_receiver() as receiver:
        settings = make_settings(
            sqlite_url,
            cloudcart_url=receiver.url,
            cults_url=receiver.url,
            destination_token=SecretStr("t"),
        )
        service = Service.from_settings(settings, workers=1, deliver=True)
        with TestClient(service.app()) as client:
            _post_examples(client)
            deadline = time.monotonic() + 60
            while _status(client, CREATE_CALL)["status"] != "delivered":
                assert time.monotonic() < deadline
                time.sleep(0.05)
    assert receiver.applied[f"{CREATE_CALL}:create_subscriber"] == 1

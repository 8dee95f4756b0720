"""Outbox delivery over real HTTP: headers, retries with backoff, dead letters, exactly-once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.sender import Deliverer, DeliveryConfig, DeliveryReport
from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.router import Router
from callhandoff.store import outbox as outbox_store
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from tests.routing.helpers import REFERENCE, STORE, make_call
from tests.routing.receiver import Receiver, running_receiver


def _fill(router: Router, count: int, destination: str = "cloudcart") -> list[str]:
    """Route `count` creatable calls; their idempotency keys."""
    keys = []
    for i in range(count):
        if destination == "cults":
            call = make_call(f"k-{i}", "cults", intent="delivery_issue", order_id="B-200201")
        else:
            call = make_call(f"k-{i}", intent="delivery_issue", order_id="A-100101")
        result = router.route(call.result(), call.transcript)
        assert result.decision is not None
        keys.append(result.decision.idempotency_key)
    return keys


def _config(url: str, **overrides: object) -> DeliveryConfig:
    values: dict[str, object] = {
        "urls": {"cloudcart": url, "cults": url},
        "token": SecretStr("s3cret"),
        "max_attempts": 3,
        "backoff_s": 0.5,
        "backoff_max_s": 4.0,
        "timeout_s": 5.0,
    }
    values.update(overrides)
    return DeliveryConfig(**values)  # type: ignore[arg-type]


def _deliver(
    engine: Engine, config: DeliveryConfig, sleeps: list[float] | None = None
) -> DeliveryReport:
    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    deliverer = Deliverer(engine, config, sleep=record)
    try:
        return deliverer.run()
    finally:
        deliverer.close()


def test_every_pending_action_is_sent_once_with_its_key_and_token(
    router: Router, engine: Engine
) -> None:
    keys = _fill(router, 3)
    with running_receiver() as receiver:
        report = _deliver(engine, _config(receiver.url))
        again = _deliver(engine, _config(receiver.url))
    assert sorted(report.sent) == sorted(keys)
    assert again.sent == []
    assert sorted(receiver.applied) == sorted(keys)
    first = receiver.requests[0]
    assert (first.method, first.path) == ("POST", "/subscribers")
    assert first.headers["Idempotency-Key"] == "k-0:create_subscriber"
    assert first.headers["Authorization"] == "Bearer s3cret"
    assert first.headers["Content-Type"] == "application/json"
    assert first.body["subscriber"]["customer_id"] == "C-1"
    assert [r.state for r in outbox_store.list_rows(engine)] == ["sent"] * 3


def test_server_errors_are_retried_with_backoff_then_succeed(
    router: Router, engine: Engine
) -> None:
    _fill(router, 1)
    sleeps: list[float] = []
    with running_receiver(Receiver(statuses=[503, 502])) as receiver:
        report = _deliver(engine, _config(receiver.url), sleeps)
    assert report.sent == ["k-0:create_subscriber"]
    assert sleeps == [0.5, 1.0]
    (row,) = outbox_store.list_rows(engine)
    assert (row.state, row.attempts, row.last_status) == ("sent", 3, 200)


def test_retry_after_is_honoured(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    sleeps: list[float] = []
    with running_receiver(Receiver(statuses=[429], retry_after="3")) as receiver:
        _deliver(engine, _config(receiver.url), sleeps)
    assert sleeps == [3.0]


def test_repeated_failures_end_in_the_dead_letter_state(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    sleeps: list[float] = []
    with running_receiver(Receiver(statuses=[500, 500, 500, 500])) as receiver:
        report = _deliver(engine, _config(receiver.url), sleeps)
    assert report.dead == ["k-0:create_subscriber"]
    assert len(receiver.posts()) == 3
    assert sleeps == [0.5, 1.0]
    (row,) = outbox_store.list_rows(engine, state="dead")
    assert row.attempts == 3 and row.last_error is not None and "HTTP 500" in row.last_error


def test_a_client_error_is_dead_lettered_at_once(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    with running_receiver(Receiver(statuses=[422])) as receiver:
        report = _deliver(engine, _config(receiver.url))
    assert report.dead == ["k-0:create_subscriber"]
    assert len(receiver.posts()) == 1


def test_connection_errors_are_retried(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    sleeps: list[float] = []
    report = _deliver(engine, _config("http://127.0.0.1:9"), sleeps)
    assert report.dead == ["k-0:create_subscriber"]
    assert len(sleeps) == 2
    (row,) = outbox_store.list_rows(engine)
    assert row.last_error is not None and row.last_error.startswith("connection error")


def test_cults_looks_up_approved_origins_once_before_sharing(
    router: Router, engine: Engine
) -> None:
    keys = _fill(router, 2, "cults")
    with running_receiver() as receiver:
        report = _deliver(engine, _config(receiver.url))
    assert sorted(report.sent) == sorted(keys)
    assert [(r.method, r.path) for r in receiver.requests] == [
        ("GET", "/approved_origins"),
        ("POST", "/shares"),
        ("POST", "/shares"),
    ]


def test_cults_share_from_an_unapproved_origin_is_dead_lettered(
    router: Router, engine: Engine
) -> None:
    _fill(router, 1, "cults")
    with running_receiver(Receiver(approved_origins=["somebody-else"])) as receiver:
        report = _deliver(engine, _config(receiver.url))
    assert report.dead == ["k-0:share_on_create"]
    assert receiver.posts() == []
    (row,) = outbox_store.list_rows(engine, state="dead")
    assert row.last_error == "origin 'print-b' is not an approved origin (somebody-else)"


def test_destinations_without_an_endpoint_are_left_pending(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    report = _deliver(engine, _config("", urls={"cloudcart": None, "cults": None}))
    assert report.skipped == ["k-0:create_subscriber"]
    assert [r.state for r in outbox_store.list_rows(engine)] == ["pending"]


def test_the_transport_is_injectable(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"ok": True})

    deliverer = Deliverer(
        engine, _config("https://cloudcart.test/api"), transport=httpx.MockTransport(handle)
    )
    report = deliverer.run()
    deliverer.close()
    assert report.sent == ["k-0:create_subscriber"]
    assert str(seen[0].url) == "https://cloudcart.test/api/subscribers"


def _deliver_in_subprocess(db_url: str, url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CALLHANDOFF_DATABASE_URL": db_url,
        "CALLHANDOFF_CLOUDCART_URL": url,
        "CALLHANDOFF_DESTINATION_TOKEN": "s3cret",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from callhandoff.cli.app import main; main()", "deliver", "--send"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_a_deliverer_killed_mid_batch_delivers_everything_exactly_once_on_restart(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = open_store(db_url)
    load_directory(engine, read_directory(STORE, regions=["US"], tz=ZoneInfo("UTC")))
    keys = _fill(Router(engine, clock=lambda: REFERENCE), 30)

    with running_receiver(Receiver(hold_at=12)) as receiver:
        first = _deliver_in_subprocess(db_url, receiver.url, tmp_path)
        assert receiver.held.wait(timeout=60), "the deliverer never reached the 12th request"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        receiver.release.set()
        sent_before = len(outbox_store.list_rows(engine, state="sent"))
        second = _deliver_in_subprocess(db_url, receiver.url, tmp_path)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()

    assert sent_before == 11
    assert set(receiver.applied) == set(keys)
    assert all(count == 1 for count in receiver.applied.values())
    duplicates = {k: n for k, n in receiver.arrivals.items() if n > 1}
    assert duplicates == {keys[11]: 2}
    assert [r.state for r in outbox_store.list_rows(engine)] == ["sent"] * 30

"""One delivery pass over real HTTP: the request, its headers, what each answer does to a row."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.deliverer import Deliverer, DeliveryReport
from callhandoff.routing.delivery.receiver import Receiver, running_receiver
from callhandoff.routing.delivery.sender import DeliveryConfig, retry_after_s
from callhandoff.routing.router import Router
from callhandoff.store import outbox as outbox_store
from tests.routing.helpers import make_call


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
        "backoff_s": 60.0,
        "backoff_max_s": 3600.0,
        "timeout_s": 5.0,
    }
    values.update(overrides)
    return DeliveryConfig(**values)  # type: ignore[arg-type]


def _deliver(engine: Engine, config: DeliveryConfig) -> DeliveryReport:
    deliverer = Deliverer(engine, config, rng=random.Random(7))
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
    assert receiver.sent_twice() == []
    first = receiver.requests[0]
    assert (first.method, first.path) == ("POST", "/subscribers")
    assert first.headers["Idempotency-Key"] == "k-0:create_subscriber"
    assert first.headers["Authorization"] == "Bearer s3cret"
    assert first.headers["Content-Type"] == "application/json"
    assert first.body["subscriber"]["customer_id"] == "C-1"
    rows = outbox_store.list_rows(engine)
    assert [r.state for r in rows] == ["sent"] * 3
    assert all(r.lease_owner is None for r in rows)


def test_a_server_error_reschedules_the_row_minutes_later_instead_of_retrying_at_once(
    router: Router, engine: Engine
) -> None:
    _fill(router, 1)
    before = datetime.now(UTC)
    with running_receiver(Receiver(statuses=[503])) as receiver:
        report = _deliver(engine, _config(receiver.url))
    assert report.retrying == ["k-0:create_subscriber"] and report.sent == []
    assert len(receiver.posts()) == 1
    (row,) = outbox_store.list_rows(engine)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, 503)
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - before
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=61)


def test_retry_after_is_honoured(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    before = datetime.now(UTC)
    with running_receiver(Receiver(statuses=[429], retry_after="7200")) as receiver:
        _deliver(engine, _config(receiver.url))
    (row,) = outbox_store.list_rows(engine)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - before >= timedelta(seconds=7200)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
    assert retry_after_s("120", now) == 120.0
    assert retry_after_s("Fri, 14 Mar 2025 15:02:00 GMT", now) == 120.0
    assert retry_after_s("Fri, 14 Mar 2025 14:00:00 GMT", now) == 0.0
    assert retry_after_s("soon", now) is None
    assert retry_after_s(None, now) is None


def test_a_client_error_is_dead_lettered_at_once(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    with running_receiver(Receiver(statuses=[422])) as receiver:
        report = _deliver(engine, _config(receiver.url))
    assert report.dead == ["k-0:create_subscriber"]
    assert len(receiver.posts()) == 1


def test_connection_errors_are_retried_later(router: Router, engine: Engine) -> None:
    _fill(router, 1)
    report = _deliver(engine, _config("http://127.0.0.1:9"))
    assert report.retrying == ["k-0:create_subscriber"]
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

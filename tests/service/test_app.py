"""The HTTP API with httpx (Starlette's TestClient) against the app, on SQLite.

Without `with TestClient(...)` the app's lifespan does not run, so no worker
thread starts and a call stays `received`: that is how the tests look at each
status in turn. With it, the embedded worker thread processes the calls.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callhandoff.service.embedded import Service
from callhandoff.store import intake as intake_store
from callhandoff.store.intake import IntakeState
from tests.service.conftest import make_settings
from tests.service.helpers import EXAMPLES, as_body, example_calls, signed


def _post(client: TestClient, body: Any, **options: Any) -> Any:
    data, headers = signed(body, **options)
    return client.post("/v1/calls", content=data, headers=headers)


def _stored(service: Service) -> int:
    return sum(intake_store.counts(service.engine).values())


def _wait_for(client: TestClient, call_id: str, statuses: set[str], timeout_s: float = 30) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get(f"/v1/calls/{call_id}").json()
        if status.get("status") in statuses or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


NATIVE = json.loads(
    (EXAMPLES / "cloudcart-travel-deadline-and-booking-move.jsonl").read_text().splitlines()[0]
)
CHAT = json.loads(
    (EXAMPLES / "cloudcart-order-status-and-restock-chat.jsonl").read_text().splitlines()[0]
)
ABCD = json.loads((EXAMPLES / "cloudcart-abcd-slipper-exchange.json").read_text())[0]


def test_a_signed_call_is_stored_before_the_202_that_names_its_status_url(
    service: Service,
) -> None:
    client = TestClient(service.app())
    response = _post(client, NATIVE)
    assert response.status_code == 202
    assert response.json() == {
        "call_id": "dn-2025-03-0006",
        "status_url": "/v1/calls/dn-2025-03-0006",
    }
    row = intake_store.latest_for_call(service.engine, "dn-2025-03-0006")
    assert row is not None and row.state is IntakeState.RECEIVED
    assert client.get("/v1/calls/dn-2025-03-0006").json()["status"] == "received"


def test_a_card_number_in_a_webhook_is_masked_before_the_call_is_stored(
    service: Service,
) -> None:
    client = TestClient(service.app())
    card = "4111 1111 1111 1111"
    body = {
        "call_id": "card-1",
        "destination": "cloudcart",
        "turns": [
            {"speaker": "agent", "text": "How can I help?"},
            {"speaker": "customer", "text": f"My card is {card}, can you charge it again?"},
        ],
    }
    assert _post(client, body).status_code == 202
    row = intake_store.latest_for_call(service.engine, "card-1")
    assert row is not None
    stored = json.dumps(row.transcript)
    assert card not in stored and "[redacted card number ending 1111]" in stored


@pytest.mark.parametrize(
    ("body", "call_id"),
    [(NATIVE, "dn-2025-03-0006"), (CHAT, "dn-2025-03-0010"), (ABCD, "abcd-9001")],
    ids=["native", "chat", "abcd"],
)
def test_every_json_format_is_accepted_and_decided(
    service: Service, body: dict[str, Any], call_id: str
) -> None:
    with TestClient(service.app()) as client:
        assert _post(client, body).json()["call_id"] == call_id
        status = _wait_for(client, call_id, {"decided", "delivered", "failed"})
    assert status["status"] == "decided", status
    assert status["decision"]["kind"] in {"create", "update", "review", "skip"}
    assert status["decision"]["reasons"][0]["message"]
    assert status["handoff"]["call_id"] == call_id


def test_links_sent_beside_a_chat_transcript_are_kept(service: Service) -> None:
    body = {**CHAT, "transcript_url": "https://dialnexa.example/t/10", "recording_url": "r.mp3"}
    with TestClient(service.app()) as client:
        _post(client, body)
        status = _wait_for(client, "dn-2025-03-0010", {"decided"})
    assert status["handoff"]["call_id"] == "dn-2025-03-0010"
    row = intake_store.latest_for_call(service.engine, "dn-2025-03-0010")
    assert row is not None
    assert row.transcript["links"] == {
        "transcript": "https://dialnexa.example/t/10",
        "recording": "r.mp3",
    }


@pytest.mark.parametrize(
    ("options", "skew", "why"),
    [
        ({"secret": "whsec_" + "c29tZW9uZS1lbHNlcy1zZWNyZXQtMTIzNA=="}, 0, "no webhook-signature"),
        ({}, -6, "more than 300 s"),
        ({}, +6, "more than 300 s"),
    ],
    ids=["wrong-secret", "stale", "from-the-future"],
)
def test_a_bad_or_stale_signature_is_refused_and_nothing_is_stored(
    service: Service, options: dict[str, Any], skew: int, why: str
) -> None:
    client = TestClient(service.app())
    when = datetime.now(UTC) + timedelta(minutes=skew)
    response = _post(client, NATIVE, when=when, **options)
    assert response.status_code == 401
    assert why in response.json()["error"]
    assert _stored(service) == 0


def test_a_body_changed_after_signing_is_refused(service: Service) -> None:
    client = TestClient(service.app())
    data, headers = signed(NATIVE)
    response = client.post("/v1/calls", content=data.replace(b"Kim", b"Tim"), headers=headers)
    assert response.status_code == 401 and _stored(service) == 0


def test_missing_signature_headers_are_refused(service: Service) -> None:
    client = TestClient(service.app())
    response = client.post("/v1/calls", json=NATIVE)
    assert response.status_code == 401 and "missing webhook-id" in response.json()["error"]


def test_a_replayed_webhook_id_gets_the_first_answer_and_stores_nothing_new(
    service: Service,
) -> None:
    client = TestClient(service.app())
    first = _post(client, NATIVE, webhook_id="msg_1")
    again = _post(client, NATIVE, webhook_id="msg_1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert _stored(service) == 1
    another_delivery = _post(client, NATIVE, webhook_id="msg_2")
    assert another_delivery.status_code == 202 and _stored(service) == 2


def test_a_body_over_the_size_limit_is_refused_with_413(sqlite_url: str) -> None:
    service = Service.from_settings(
        make_settings(sqlite_url, max_body_bytes=2048), workers=1, deliver=False
    )
    client = TestClient(service.app())
    big = {**NATIVE, "turns": NATIVE["turns"] * 20}
    response = _post(client, big)
    assert response.status_code == 413
    assert _stored(service) == 0
    assert _post(client, {**NATIVE, "turns": NATIVE["turns"][:3]}).status_code == 202


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "the body is not JSON"),
        ({"call_id": "x-1", "turns": []}, "no turns"),
        ({"call_id": "x-1", "turns": [{"speaker": "robot", "text": "hi"}]}, "turn 1"),
        ({"turns": [{"speaker": "agent", "text": "hi"}]}, "no call ID"),
        ([NATIVE, NATIVE], "one call as a JSON object"),
        ({"call_id": "x-1", "destination": "shopify", "turns": NATIVE["turns"]}, "destination"),
    ],
    ids=["not-json", "no-turns", "bad-speaker", "no-call-id", "array", "bad-destination"],
)
def test_an_unreadable_body_is_refused_with_the_readers_message(
    service: Service, body: Any, problem: str
) -> None:
    client = TestClient(service.app())
    response = _post(client, body)
    assert response.status_code == 422
    assert problem in response.json()["error"]
    assert _stored(service) == 0


def test_an_unknown_call_is_404(service: Service) -> None:
    client = TestClient(service.app())
    assert client.get("/v1/calls/nope").status_code == 404


def test_health_and_metrics(service: Service) -> None:
    with TestClient(service.app()) as client:
        health = client.get("/healthz")
        for transcript in example_calls():
            _post(client, as_body(transcript))
        _post(client, NATIVE, when=datetime.now(UTC) - timedelta(hours=1))
        deadline = time.monotonic() + 30
        while intake_store.counts(service.engine)[IntakeState.DONE] < 13:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        text = client.get("/metrics").text
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert "callhandoff_calls_received_total 13.0" in text
    assert 'callhandoff_calls_rejected_total{status="401"} 1.0' in text
    assert "callhandoff_calls_processed_total 13.0" in text
    assert 'callhandoff_decisions_total{decision="review"}' in text
    assert 'callhandoff_calls_in_state{state="done"} 13.0' in text
    assert "callhandoff_outbox_pending 5.0" in text
    assert "callhandoff_outbox_dead 0.0" in text
    assert "callhandoff_extraction_seconds_bucket" in text

"""Publishing to Celery over a real Redis: a broker outage loses nothing, the sweep catches up."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callhandoff.cli.app import app as cli
from callhandoff.service.embedded import Service
from callhandoff.service.tasks import QUEUE, Publisher, make_celery
from callhandoff.store import intake as intake_store
from callhandoff.store.intake import IntakeState
from tests.service.conftest import loaded_store, make_settings
from tests.service.helpers import SECRET, as_body, example_calls, signed
from tests.service.processes import command, stop
from tests.services import free_port


def _post_all(client: TestClient) -> int:
    calls = example_calls()
    for transcript in calls:
        data, headers = signed(as_body(transcript))
        assert client.post("/v1/calls", content=data, headers=headers).status_code == 202
    return len(calls)


def test_calls_accepted_while_the_broker_is_down_are_published_by_the_sweep(
    postgres_url: str, redis_server: object, tmp_path: Path
) -> None:
    loaded_store(postgres_url)
    down = make_settings(postgres_url, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    service = Service.from_settings(down, workers=0, deliver=False)
    publisher = Publisher(make_celery(down), service.engine, down)
    service.enqueue_with(publisher)
    started = time.monotonic()
    with TestClient(service.app(), raise_server_exceptions=True) as client:
        count = _post_all(client)
    assert time.monotonic() - started < 60, "publishing to a dead broker held the server up"
    unpublished = intake_store.needing_publish(
        service.engine,
        intake_store.latest_for_call(service.engine, "abcd-9001").received_at,
        republish_after_s=3600,
    )
    assert len(unpublished) == count, "a call was lost or marked published"

    broker = redis_server.url.removesuffix("/0") + "/1"  # type: ignore[attr-defined]
    up = make_settings(postgres_url, broker_url=broker)
    assert Publisher(make_celery(up), service.engine, up).sweep() == count
    assert redis.Redis.from_url(broker).llen(QUEUE) == count

    env = {"CALLHANDOFF_DATABASE_URL": postgres_url, "CALLHANDOFF_BROKER_URL": broker}
    worker = command(["worker", "--pool", "solo"], env, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while intake_store.counts(service.engine)[IntakeState.DONE] < count:
            assert time.monotonic() < deadline, intake_store.counts(service.engine)
            time.sleep(0.2)
    finally:
        stop([worker])


def test_serve_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "CALLHANDOFF_WEBHOOK_SECRET" in result.output


def test_serve_no_worker_needs_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLHANDOFF_WEBHOOK_SECRET", SECRET)
    result = CliRunner().invoke(cli, ["serve", "--no-worker"])
    assert result.exit_code == 2
    assert "CALLHANDOFF_BROKER_URL" in result.output

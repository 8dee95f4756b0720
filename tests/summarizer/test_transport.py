"""Transport retries: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import httpx2
import pytest

from callhandoff.summarizer.transport import (
    RetryingTransport,
    RetryPolicy,
    retry_after_seconds,
)


def run(
    responses: list[httpx2.Response | Exception], retries: int = 3
) -> tuple[int, list[float], int]:
    sent = 0
    sleeps: list[float] = []

    def handler(_request: httpx2.Request) -> httpx2.Response:
        nonlocal sent
        item = responses[min(sent, len(responses) - 1)]
        sent += 1
        if isinstance(item, Exception):
            raise item
        return item

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = RetryingTransport(
        httpx2.MockTransport(handler),
        RetryPolicy(retries=retries, backoff_s=1.0, backoff_max_s=4.0),
        sleep=sleep,
        rng=random.Random(7),
    )

    async def go() -> int:
        async with httpx2.AsyncClient(transport=transport) as client:
            try:
                return (await client.post("http://127.0.0.1:9/v1/chat/completions")).status_code
            except httpx2.HTTPError:
                return -1

    return asyncio.run(go()), sleeps, sent


def test_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert retry_after_seconds(httpx2.Headers({"Retry-After": "3"})) == 3.0
    assert (
        retry_after_seconds(httpx2.Headers({"retry-after-ms": "250", "Retry-After": "9"})) == 0.25
    )
    dated = httpx2.Headers({"Retry-After": "Wed, 01 Jan 2025 00:00:05 GMT"})
    assert retry_after_seconds(dated, now) == 5.0
    assert retry_after_seconds(httpx2.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx2.Headers()) is None


def test_429_waits_as_told_then_succeeds() -> None:
    status, sleeps, sent = run(
        [httpx2.Response(429, headers={"Retry-After": "2"}), httpx2.Response(200)]
    )
    assert (status, sent) == (200, 2)
    assert 2.0 <= sleeps[0] <= 2.2


def test_5xx_backs_off_exponentially_with_jitter_then_gives_up() -> None:
    status, sleeps, sent = run([httpx2.Response(503)], retries=3)
    assert (status, sent) == (503, 4)
    assert [s <= cap for s, cap in zip(sleeps, [1.0, 2.0, 4.0], strict=True)] == [True] * 3


def test_timeouts_and_connection_errors_are_retried() -> None:
    status, _, sent = run(
        [httpx2.ReadTimeout("slow"), httpx2.ConnectError("down"), httpx2.Response(200)]
    )
    assert (status, sent) == (200, 3)
    status, _, sent = run([httpx2.ReadTimeout("slow")], retries=2)
    assert (status, sent) == (-1, 3)


@pytest.mark.parametrize("code", [400, 401, 404, 422])
def test_client_errors_are_not_retried(code: int) -> None:
    status, sleeps, sent = run([httpx2.Response(code)])
    assert (status, sent, sleeps) == (code, 1, [])


def test_a_server_asking_for_too_long_a_wait_is_not_retried() -> None:
    status, sleeps, sent = run([httpx2.Response(429, headers={"Retry-After": "3600"})])
    assert (status, sent, sleeps) == (429, 1, [])

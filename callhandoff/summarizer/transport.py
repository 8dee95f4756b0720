"""The HTTP layer under the OpenAI client: retries with backoff, jitter and Retry-After.

The `openai` client is built with `max_retries=0` and this transport underneath,
so every retry decision is made here, once, with delays that tests can shrink:

- timeouts, connection errors, 408, 429 and 5xx are retried up to
  `transport_retries` times;
- a `Retry-After` (seconds or HTTP date) or `retry-after-ms` header is honoured,
  up to RETRY_AFTER_MAX_S; a server asking for longer is not retried;
- otherwise the delay is exponential with full jitter:
  uniform(0, min(backoff_max, backoff * 2**retry)).

After the last retry the final response (or error) goes up to the OpenAI client,
which raises; the backend turns that into a TransportError and a fallback.
The inner transport is injectable (`httpx2.MockTransport` in tests).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_AFTER_MAX_S = 120.0
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait between transport retries."""

    retries: int = 4
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full-jitter exponential delay before retry number `retry` (0-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_s * (2**retry))
        return rng.uniform(0.0, ceiling)


def retry_after_seconds(headers: httpx2.Headers, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `Retry-After`), if it said."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class RetryingTransport(httpx2.AsyncBaseTransport):
    """Wraps an async transport and retries transient failures (see module docstring)."""

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport,
        policy: RetryPolicy,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ):
        self.inner = inner
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.retries_done = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send `request`, retrying timeouts, connection errors, 408, 429 and 5xx."""
        retry = 0
        while True:
            try:
                response = await self.inner.handle_async_request(request)
            except RETRYABLE_ERRORS:
                if retry >= self.policy.retries:
                    raise
                delay = self.policy.backoff(retry, self.rng)
            else:
                if response.status_code not in RETRY_STATUSES or retry >= self.policy.retries:
                    return response
                asked = retry_after_seconds(response.headers)
                if asked is not None and asked > RETRY_AFTER_MAX_S:
                    return response
                await response.aread()
                await response.aclose()
                if asked is None:
                    delay = self.policy.backoff(retry, self.rng)
                else:
                    delay = asked + self.rng.uniform(0.0, min(asked * 0.1, 1.0))
            retry += 1
            self.retries_done += 1
            await self.sleep(delay)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


def default_transport(max_connections: int) -> httpx2.AsyncBaseTransport:
    """The real HTTP transport, pooled for `max_connections` calls at once."""
    return httpx2.AsyncHTTPTransport(
        limits=httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
    )


def build_http_client(
    *,
    policy: RetryPolicy,
    timeout_s: float,
    max_connections: int,
    inner: httpx2.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> httpx2.AsyncClient:
    """The async HTTP client handed to `openai.AsyncOpenAI(http_client=...)`."""
    base = inner or default_transport(max_connections)
    return httpx2.AsyncClient(
        transport=RetryingTransport(base, policy, sleep=sleep, rng=rng),
        timeout=httpx2.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
        follow_redirects=True,
    )

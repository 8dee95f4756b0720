"""Send pending outbox rows to the destination over HTTP, exactly once per idempotency key.

Every request carries `Idempotency-Key: <call id>:<action>` so a receiver can
drop the duplicate a crash may cause (the row stays pending until a 2xx is
recorded, then it is sent again with the same key). Timeouts, connection
errors, 408/425/429 and 5xx are retried with exponential backoff (honouring
Retry-After); after `delivery_max_attempts` the row is dead-lettered. Other
4xx answers are dead-lettered at once: re-sending the same request cannot
succeed. For Cults, the `get_approved_origins` lookup runs first and a share
from an origin that is not approved is dead-lettered with that reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from callhandoff.routing.delivery.payloads import APPROVED_ORIGINS, ENDPOINTS
from callhandoff.settings import Settings
from callhandoff.store import outbox as store
from callhandoff.store.rows import OutboxRow, OutboxState

RETRYABLE_STATUS = {408, 425, 429}
USER_AGENT = "callhandoff/0.1"


@dataclass(frozen=True)
class DeliveryConfig:
    """Endpoints, credentials and retry policy for delivery."""

    urls: dict[str, str | None]
    token: SecretStr | None = None
    max_attempts: int = 5
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        """The delivery part of the settings."""
        return cls(
            urls={"cloudcart": settings.cloudcart_url, "cults": settings.cults_url},
            token=settings.destination_token,
            max_attempts=settings.delivery_max_attempts,
            backoff_s=settings.delivery_backoff_s,
            backoff_max_s=settings.delivery_backoff_max_s,
            timeout_s=settings.delivery_timeout_s,
        )

    def configured(self, destination: str) -> bool:
        """True when this destination has an endpoint URL."""
        return bool(self.urls.get(destination))

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        delay = self.backoff_s * 2.0 ** max(attempt - 1, 0)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.backoff_max_s)


@dataclass(frozen=True)
class PreparedRequest:
    """One HTTP request exactly as it will be sent."""

    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any] | None

    def shown_headers(self) -> dict[str, str]:
        """The headers with secrets masked, for printing."""
        return {
            k: ("Bearer ***" if k.lower() == "authorization" else v)
            for k, v in self.headers.items()
        }


def _url(config: DeliveryConfig, destination: str, path: str) -> str:
    base = config.urls.get(destination)
    if not base:
        return f"<CALLHANDOFF_{destination.upper()}_URL not set>{path}"
    return base.rstrip("/") + path


def _headers(config: DeliveryConfig, key: str | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if key is not None:
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = key
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    return headers


def prepare(row: OutboxRow, config: DeliveryConfig) -> PreparedRequest:
    """The request that delivers `row`."""
    method, path = ENDPOINTS[(row.destination, row.action)]
    return PreparedRequest(
        method=method,
        url=_url(config, row.destination, path),
        headers=_headers(config, row.idempotency_key),
        body=row.payload,
    )


def lookup_request(destination: str, config: DeliveryConfig) -> PreparedRequest:
    """The approved-origins lookup Cults needs before any share."""
    method, path = ENDPOINTS[(destination, APPROVED_ORIGINS)]
    return PreparedRequest(method, _url(config, destination, path), _headers(config, None), None)


def new_values(row: OutboxRow) -> dict[str, Any]:
    """The values an update sets, keyed by field, for the dry-run diff."""
    return update_values(row.payload)


def update_values(payload: dict[str, Any]) -> dict[str, Any]:
    """The values an update payload sets at the destination, keyed by field."""
    if "subscribers" in payload:
        first = payload["subscribers"][0] if payload["subscribers"] else {}
        return dict(first.get("changes", {}))
    record = payload.get("record", {})
    return {c["field"]: c["new_value"] for c in record.get("changes", [])}


@dataclass
class DeliveryReport:
    """What one `deliver` run did."""

    sent: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class _Failure(Exception):
    def __init__(
        self, message: str, *, status: int | None, retryable: bool, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status, self.retryable, self.retry_after = status, retryable, retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class Deliverer:
    """Works through the outbox; one deliverer per store at a time."""

    def __init__(
        self,
        engine: Engine,
        config: DeliveryConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine, self.config, self.sleep, self.clock = engine, config, sleep, clock
        self.client = httpx.Client(transport=transport, timeout=config.timeout_s)
        self._origins: dict[str, set[str]] = {}

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def run(self, limit: int | None = None) -> DeliveryReport:
        """Deliver every due pending row whose destination has an endpoint."""
        report = DeliveryReport()
        for row in store.due(self.engine, self.clock(), limit):
            if not self.config.configured(row.destination):
                report.skipped.append(row.idempotency_key)
                continue
            if not store.still_pending(self.engine, row.id):
                continue
            outcome = self._deliver(row)
            (report.sent if outcome is OutboxState.SENT else report.dead).append(
                row.idempotency_key
            )
        return report

    def _approved(self, destination: str) -> set[str]:
        """The destination's approved origins, looked up once per run."""
        if destination not in self._origins:
            request = lookup_request(destination, self.config)
            response = self._send(request)
            try:
                body = response.json()
            except ValueError as exc:
                raise _Failure(
                    "approved origins answer is not JSON",
                    status=response.status_code,
                    retryable=True,
                ) from exc
            origins = body.get("origins", body) if isinstance(body, dict) else body
            if not isinstance(origins, list):
                raise _Failure(
                    "approved origins answer is not a list",
                    status=response.status_code,
                    retryable=True,
                )
            self._origins[destination] = {str(o) for o in origins}
        return self._origins[destination]

    def _send(self, request: PreparedRequest) -> httpx.Response:
        try:
            response = self.client.request(
                request.method, request.url, headers=request.headers, json=request.body
            )
        except httpx.TimeoutException as exc:
            raise _Failure(f"timeout: {exc}", status=None, retryable=True) from exc
        except httpx.TransportError as exc:
            raise _Failure(f"connection error: {exc}", status=None, retryable=True) from exc
        if response.is_success or response.status_code == 409:
            return response
        status = response.status_code
        retryable = status >= 500 or status in RETRYABLE_STATUS
        raise _Failure(
            f"HTTP {status}: {response.text[:200]}",
            status=status,
            retryable=retryable,
            retry_after=_retry_after(response),
        )

    def _attempt(self, row: OutboxRow) -> int:
        if row.destination == "cults":
            origin = str(row.payload.get("origin"))
            approved = self._approved(row.destination)
            if origin not in approved:
                raise _Failure(
                    f"origin {origin!r} is not an approved origin "
                    f"({', '.join(sorted(approved)) or 'none approved'})",
                    status=None,
                    retryable=False,
                )
        return self._send(prepare(row, self.config)).status_code

    def _deliver(self, row: OutboxRow) -> OutboxState:
        attempt = row.attempts
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                status = self._attempt(row)
            except _Failure as failure:
                elapsed = (time.perf_counter() - started) * 1000
                now = self.clock()
                give_up = not failure.retryable or attempt >= self.config.max_attempts
                delay = self.config.backoff(attempt, failure.retry_after)
                store.record_attempt(
                    self.engine,
                    row,
                    attempt=attempt,
                    now=now,
                    status_code=failure.status,
                    error=str(failure),
                    duration_ms=elapsed,
                    outcome=OutboxState.DEAD if give_up else OutboxState.PENDING,
                    next_attempt_at=None if give_up else now + timedelta(seconds=delay),
                )
                if give_up:
                    return OutboxState.DEAD
                self.sleep(delay)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            store.record_attempt(
                self.engine,
                row,
                attempt=attempt,
                now=self.clock(),
                status_code=status,
                error=None,
                duration_ms=elapsed,
                outcome=OutboxState.SENT,
            )
            return OutboxState.SENT

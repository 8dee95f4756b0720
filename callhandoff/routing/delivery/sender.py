"""The HTTP side of delivery: the request for an outbox row, and how an answer is judged.

Every request carries `Idempotency-Key: <call id>:<action>` so a receiver can
drop the duplicate a crash may cause. Timeouts, connection errors, 408/425/429
and 5xx are `retryable` (the destination is in trouble: the deliverer backs off
and counts it against the destination's breaker); other 4xx answers are not:
re-sending the same request cannot succeed. The loop that claims rows and
schedules retries is `callhandoff.routing.delivery.deliverer`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr

from callhandoff.routing.delivery.payloads import APPROVED_ORIGINS, ENDPOINTS
from callhandoff.settings import Settings
from callhandoff.store.health import Breaker
from callhandoff.store.rows import OutboxRow

RETRYABLE_STATUS = {408, 425, 429}
USER_AGENT = "callhandoff/0.1"


@dataclass(frozen=True)
class DeliveryConfig:
    """Endpoints, credentials, retry policy, leases and the breaker for delivery."""

    urls: dict[str, str | None]
    token: SecretStr | None = None
    max_attempts: int = 15
    backoff_s: float = 30.0
    backoff_max_s: float = 3_600.0
    timeout_s: float = 10.0
    lease_s: float = 60.0
    claim_batch: int = 20
    poll_s: float = 1.0
    breaker: Breaker = field(
        default_factory=lambda: Breaker(threshold=5, cooldown_s=30.0, cooldown_max_s=600.0)
    )

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
            lease_s=settings.delivery_lease_s,
            claim_batch=settings.delivery_claim_batch,
            poll_s=settings.delivery_poll_s,
            breaker=Breaker(
                threshold=settings.breaker_threshold,
                cooldown_s=settings.breaker_cooldown_s,
                cooldown_max_s=settings.breaker_cooldown_max_s,
            ),
        )

    def configured(self, destination: str) -> bool:
        """True when this destination has an endpoint URL."""
        return bool(self.urls.get(destination))

    def backoff(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Exponential (`backoff_s` doubling up to `backoff_max_s`) with equal jitter:
        between half and all of it, so deliverers that failed together do not come
        back together. A longer `Retry-After` from the destination wins.
        """
        delay = min(self.backoff_s * 2.0 ** max(attempt - 1, 0), self.backoff_max_s)
        jittered = delay / 2 + (rng or random).uniform(0, delay / 2)
        return max(jittered, retry_after or 0.0)


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


class DeliveryFailure(Exception):
    """One failed delivery: the HTTP status (if any), whether a retry may cure it.

    `retryable` failures say the destination is in trouble (no answer, 5xx, 429):
    they are retried later and count against its breaker. The others (a 4xx, an
    origin Cults does not approve) are final.
    """

    def __init__(
        self, message: str, *, status: int | None, retryable: bool, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status, self.retryable, self.retry_after = status, retryable, retry_after


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header in seconds: delta-seconds or an HTTP date."""
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


class HttpSender:
    """Sends prepared requests; Cults' approved origins are looked up once per `reset`."""

    def __init__(self, config: DeliveryConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.client = httpx.Client(transport=transport, timeout=config.timeout_s)
        self._origins: dict[str, set[str]] = {}

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def reset(self) -> None:
        """Forget the approved origins (looked up again before the next share)."""
        self._origins.clear()

    def send(self, request: PreparedRequest) -> httpx.Response:
        """The destination's answer; raises `DeliveryFailure` unless it is a 2xx or 409."""
        try:
            response = self.client.request(
                request.method, request.url, headers=request.headers, json=request.body
            )
        except httpx.TimeoutException as exc:
            raise DeliveryFailure(f"timeout: {exc}", status=None, retryable=True) from exc
        except httpx.TransportError as exc:
            raise DeliveryFailure(f"connection error: {exc}", status=None, retryable=True) from exc
        if response.is_success or response.status_code == 409:
            return response
        status = response.status_code
        raise DeliveryFailure(
            f"HTTP {status}: {response.text[:200]}",
            status=status,
            retryable=status >= 500 or status in RETRYABLE_STATUS,
            retry_after=retry_after_s(response.headers.get("Retry-After")),
        )

    def approved(self, destination: str) -> set[str]:
        """The destination's approved origins."""
        if destination not in self._origins:
            response = self.send(lookup_request(destination, self.config))
            try:
                body = response.json()
            except ValueError as exc:
                raise DeliveryFailure(
                    "approved origins answer is not JSON",
                    status=response.status_code,
                    retryable=True,
                ) from exc
            origins = body.get("origins", body) if isinstance(body, dict) else body
            if not isinstance(origins, list):
                raise DeliveryFailure(
                    "approved origins answer is not a list",
                    status=response.status_code,
                    retryable=True,
                )
            self._origins[destination] = {str(o) for o in origins}
        return self._origins[destination]

    def deliver(self, row: OutboxRow) -> int:
        """Send one row (after the origins check for Cults); the answer's status code."""
        if row.destination == "cults":
            origin = str(row.payload.get("origin"))
            approved = self.approved(row.destination)
            if origin not in approved:
                raise DeliveryFailure(
                    f"origin {origin!r} is not an approved origin "
                    f"({', '.join(sorted(approved)) or 'none approved'})",
                    status=None,
                    retryable=False,
                )
        return self.send(prepare(row, self.config)).status_code

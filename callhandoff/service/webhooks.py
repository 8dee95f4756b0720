"""Standard Webhooks signatures: `webhook-id`, `webhook-timestamp`, `webhook-signature`.

The signature is HMAC-SHA256 over `<id>.<timestamp>.<body>` with the shared secret
(`whsec_<base64>`; the part after the prefix is the key, base64-encoded), sent as
`v1,<base64 signature>`; several space-separated signatures may be sent (during a
secret rotation) and one match is enough. A timestamp further than the tolerance
from now, in either direction, is refused, so a captured request cannot be
replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from callhandoff.exceptions import ConfigError

PREFIX = "whsec_"


class WebhookRejected(Exception):
    """The request is not a validly signed, fresh webhook (answered 401)."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret."""
    encoded = secret.removeprefix(PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(
            "CALLHANDOFF_WEBHOOK_SECRET must be whsec_ followed by base64 "
            "(the secret the voice platform shows for this endpoint)"
        ) from exc
    if len(key) < 16:
        raise ConfigError("CALLHANDOFF_WEBHOOK_SECRET is too short: use at least 16 random bytes")
    return key


def signature(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of one message."""
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign(secret: str, webhook_id: str, when: datetime, body: bytes) -> dict[str, str]:
    """The three headers a sender adds (for clients, tests and the load benchmark)."""
    timestamp = str(int(when.timestamp()))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature(secret_key(secret), webhook_id, timestamp, body),
    }


@dataclass(frozen=True)
class Verifier:
    """Checks the signature and freshness of incoming webhooks."""

    key: bytes
    tolerance_s: int = 300

    @classmethod
    def from_secret(cls, secret: str, tolerance_s: int = 300) -> Verifier:
        """A verifier for a `whsec_` secret."""
        return cls(secret_key(secret), tolerance_s)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> str:
        """The webhook id of a valid request; raises `WebhookRejected` with the reason."""
        webhook_id = headers.get("webhook-id")
        timestamp = headers.get("webhook-timestamp")
        signatures = headers.get("webhook-signature")
        if not webhook_id or not timestamp or not signatures:
            raise WebhookRejected(
                "missing webhook-id, webhook-timestamp or webhook-signature header"
            )
        try:
            sent = int(timestamp)
        except ValueError as exc:
            raise WebhookRejected("webhook-timestamp is not a Unix time in seconds") from exc
        if abs(now.timestamp() - sent) > self.tolerance_s:
            raise WebhookRejected(
                f"webhook-timestamp is more than {self.tolerance_s} s from the server's clock"
            )
        expected = signature(self.key, webhook_id, timestamp, body)
        for candidate in signatures.split():
            if hmac.compare_digest(candidate, expected):
                return webhook_id
        raise WebhookRejected("no webhook-signature matches the body and the shared secret")

"""Signed webhook requests and the example calls as webhook bodies."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callhandoff.readers import iter_inputs
from callhandoff.schema.enums import Destination
from callhandoff.schema.transcript import Transcript
from callhandoff.service.webhooks import sign

SECRET = "whsec_" + base64.b64encode(b"callhandoff-test-signing-key-01").decode()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def signed(
    body: bytes | dict[str, Any] | list[Any],
    *,
    webhook_id: str | None = None,
    when: datetime | None = None,
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    """The body as bytes and the Standard Webhooks headers for it."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = sign(secret, webhook_id or f"msg_{uuid.uuid4().hex}", when or datetime.now(UTC), data)
    headers["content-type"] = "application/json"
    return data, headers


def example_calls() -> list[Transcript]:
    """The 13 example calls (every format), as transcripts."""
    return [
        item
        for item in iter_inputs(
            [EXAMPLES], default_destination=Destination.CLOUDCART, tz=ZoneInfo("UTC")
        )
        if isinstance(item, Transcript)
    ]


def as_body(transcript: Transcript) -> dict[str, Any]:
    """A transcript as a native-format webhook body."""
    return transcript.model_dump(mode="json", exclude={"source"})

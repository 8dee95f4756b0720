"""A webhook body → one `Transcript`, with the readers' own messages when it cannot be read.

The body is one call as JSON in any format the readers accept (native, chat with
`turns: [{role, content}]`, ABCD `original` pairs or a bare pair list). Metadata
the platform adds sits beside the turns: `call_id` (or `id` / `convo_id`),
`destination`, `store`, `channel`, `caller_phone`, `started_at`, and links as
`links: {"transcript", "recording"}` or `transcript_url` / `recording_url`.
A body without a call ID is refused (the call ID is the idempotency key), and so
is an array: one call per request.
"""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

from callhandoff.exceptions import InputError
from callhandoff.readers import parse_text
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import CallLinks, Transcript

SOURCE_NAME = "webhook.json"
_ID_KEYS = ("call_id", "id", "convo_id")


def _links(record: dict[str, Any]) -> CallLinks | None:
    given = record.get("links")
    links = dict(given) if isinstance(given, dict) else {}
    for key, name in (("transcript_url", "transcript"), ("recording_url", "recording")):
        if isinstance(record.get(key), str):
            links.setdefault(name, record[key])
    if not links:
        return None
    try:
        return CallLinks.model_validate(links)
    except ValueError as exc:
        raise InputError("links: expected {'transcript': URL, 'recording': URL}") from exc


def read_call(body: bytes, *, default_destination: Destination, tz: tzinfo) -> Transcript:
    """The one call in `body`; `InputError` with the problem (and line) otherwise."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the body is not UTF-8 text") from exc
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"the body is not JSON: {exc}") from exc
    if isinstance(value, list):
        raise InputError(
            "send one call as a JSON object with its call_id "
            '(ABCD pairs as {"call_id": ..., "original": [[speaker, text], ...]})'
        )
    record = value if isinstance(value, dict) else {}
    if isinstance(value, dict) and not any(record.get(key) for key in _ID_KEYS):
        raise InputError("no call ID: send call_id (the voice platform's call ID)")
    items = list(parse_text(text, name=SOURCE_NAME, default_destination=default_destination, tz=tz))
    if len(items) != 1:
        raise InputError(f"one call per request, got {len(items)}")
    (item,) = items
    if isinstance(item, Rejected):
        raise InputError(item.problem, line=item.line)
    links = _links(record)
    if links is not None:
        item = item.model_copy(update={"links": links})
    return item

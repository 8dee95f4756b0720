"""What a marketing-type action may carry: one explicit allow-list per destination action.

Cloudcart `create_subscriber` / `update_subscribers` and Cults `share_on_create` go
to subscriber and marketing channels, which receive only safe lifecycle signals
(product interest, return outcome, follow-up need) and the identifiers of the record,
never sensitive support details. Their payloads are built from the handoff and the
store's records (`payloads.py`), then `allowed_payload` keeps only the keys declared
here, each only when its value has the declared shape: an identifier, one of a fixed
set of words, a yes/no, a number, a date or a short label. Summaries, quotes,
reasons, next steps, deadlines as said, links to the call and any other free text
are dropped before the action reaches the outbox, whatever a builder put there.

The Cults record's `record_summary` is not taken from the builder at all: it is
written here from the record's allowed fields by a fixed template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from callhandoff.normalize import email_key
from callhandoff.schema.enums import ContactChannel, Intent, Urgency

Check = Callable[[Any], bool]

#: Changed fields whose new value may leave with an update (the others are only named).
SAFE_CHANGE_FIELDS: Final = frozenset(
    {
        "consent",
        "marketing_consent",
        "subscription",
        "newsletter",
        "contact_channel",
        "preferred_contact",
        "preferred_time",
        "language",
        "follow_up",
        "delivery_date",
        "booking_time",
    }
)
RETURN_OUTCOMES: Final = ("exchange_requested", "refund_requested", "return_requested")

_NO_SPACE: Final = re.compile(r"\S{1,200}")
_E164: Final = re.compile(r"\+\d{7,15}")
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_FIELD_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,39}")
LABEL_MAX_CHARS: Final = 80
LABEL_MAX_WORDS: Final = 8


def _matches(pattern: re.Pattern[str]) -> Check:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def one_of(*values: str) -> Check:
    """A check: the value is one of these words."""
    allowed = frozenset(values)
    return lambda value: isinstance(value, str) and value in allowed


def is_label(value: Any) -> bool:
    """A short one-line label (a name, a status, a product): at most LABEL_MAX_WORDS words
    and LABEL_MAX_CHARS characters, so a sentence said on the call is not one."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= LABEL_MAX_CHARS
        and "\n" not in value
        and len(value.split()) <= LABEL_MAX_WORDS
    )


def is_flag(value: Any) -> bool:
    """True or False."""
    return isinstance(value, bool)


def is_number(value: Any) -> bool:
    """An int or a float (not a yes/no)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_email(value: Any) -> bool:
    """An e-mail address as the store keeps it (cleaned by `normalize.email_key`)."""
    return isinstance(value, str) and len(value) <= 320 and email_key(value) == value


IDENTIFIER: Final = _matches(_NO_SPACE)
PHONE: Final = _matches(_E164)
DATE: Final = _matches(_DATE)
DATETIME: Final = _matches(_DATETIME)
FIELD_NAME: Final = _matches(_FIELD_NAME)


@dataclass(frozen=True)
class Fields:
    """A JSON object: the keys it may have and the shape of each. An object missing a
    `required` key once filtered is dropped whole; `derived` keys are written from the
    filtered object, never taken from the input."""

    keys: Mapping[str, Shape]
    required: frozenset[str] = frozenset()
    derived: Mapping[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    """A JSON array of items of one shape (items that do not fit are dropped)."""

    item: Shape
    most: int = 50


@dataclass(frozen=True)
class MapOf:
    """A JSON object whose keys come from a fixed set and whose values share a check."""

    keys: frozenset[str]
    value: Check


Shape = Check | Fields | ListOf | MapOf

_DROP: Final = object()


def _filtered(value: Any, shape: Shape) -> Any:
    """`value` cut down to `shape`, or _DROP when nothing of it may leave."""
    if value is None:
        return None
    if isinstance(shape, Fields):
        if not isinstance(value, Mapping):
            return _DROP
        kept: dict[str, Any] = {}
        for key, inner in shape.keys.items():
            if key in value:
                filtered = _filtered(value[key], inner)
                if filtered is not _DROP:
                    kept[key] = filtered
        if any(kept.get(key) is None for key in shape.required):
            return _DROP
        for key, make in shape.derived.items():
            kept[key] = make(kept)
        return kept
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return _DROP
        items = [_filtered(item, shape.item) for item in value[: shape.most]]
        return [item for item in items if item is not _DROP and item is not None]
    if isinstance(shape, MapOf):
        if not isinstance(value, Mapping):
            return _DROP
        return {
            key: inner
            for key, inner in value.items()
            if key in shape.keys and (inner is None or shape.value(inner))
        }
    return value if shape(value) else _DROP


_INTENT_WORDS: Final = {intent.value: intent.value.replace("_", " ") for intent in Intent}


def record_summary(record: dict[str, Any]) -> str:
    """The Cults record's one-line summary, written from its allowed fields only:
    `delivery issue · order B-200201 (delivered) · urgency high · owner fulfilment`."""
    parts = [_INTENT_WORDS.get(str(record.get("intent")), "call")]
    target = record.get("record") or {}
    if target.get("id"):
        status = f" ({target['status']})" if target.get("status") else ""
        parts.append(f"{target.get('type') or 'record'} {target['id']}{status}")
    for name in ("urgency", "owner"):
        if record.get(name):
            parts.append(f"{name} {record[name]}")
    date = (record.get("deadline") or {}).get("date")
    if date:
        parts.append(f"by {date}")
    return " · ".join(parts)


SIGNALS: Final = Fields(
    {
        "product_interest": ListOf(is_label),
        "return_outcome": one_of(*RETURN_OUTCOMES),
        "follow_up_needed": is_flag,
        "follow_up_channel": one_of(*(channel.value for channel in ContactChannel)),
    }
)
_SAFE_CHANGES: Final = MapOf(SAFE_CHANGE_FIELDS, is_label)
_CHANGED_FIELDS: Final = ListOf(FIELD_NAME)

SUBSCRIBER: Final = Fields(
    {
        "customer_id": IDENTIFIER,
        "email": is_email,
        "phone": PHONE,
        "name": is_label,
        "store": IDENTIFIER,
        "signals": SIGNALS,
        "source": Fields({"system": one_of("callhandoff"), "call_id": IDENTIFIER}),
        "changes": _SAFE_CHANGES,
        "other_changed_fields": _CHANGED_FIELDS,
    }
)

SHARE_RECORD: Final = Fields(
    {
        "call_id": IDENTIFIER,
        "destination": one_of("cults"),
        "store": IDENTIFIER,
        "caller": Fields(
            {
                "matched": is_flag,
                "customer_id": IDENTIFIER,
                "name": is_label,
                "match_confidence": is_number,
                "match_method": IDENTIFIER,
            }
        ),
        "record": Fields(
            {
                "type": one_of("order", "booking", "product"),
                "id": IDENTIFIER,
                "status": is_label,
                "skus": ListOf(IDENTIFIER),
                "starts_at": DATETIME,
            }
        ),
        "intent": one_of(*_INTENT_WORDS),
        "decision": one_of("create", "update"),
        "urgency": one_of(*(level.value for level in Urgency)),
        "priority_score": is_number,
        "owner": is_label,
        "deadline": Fields({"date": DATE}),
        "signals": SIGNALS,
        "changes": ListOf(
            Fields(
                {
                    "field": one_of(*SAFE_CHANGE_FIELDS),
                    "old_value": is_label,
                    "new_value": is_label,
                },
                required=frozenset({"field", "new_value"}),
            )
        ),
        "other_changed_fields": _CHANGED_FIELDS,
    },
    derived={"record_summary": record_summary},
)

#: (destination, action) -> the shape of its payload. The one place that says what leaves.
ALLOWED: Final[dict[tuple[str, str], Fields]] = {
    ("cloudcart", "create_subscriber"): Fields({"subscriber": SUBSCRIBER}),
    ("cloudcart", "update_subscribers"): Fields({"subscribers": ListOf(SUBSCRIBER)}),
    ("cults", "share_on_create"): Fields(
        {"origin": IDENTIFIER, "kind": one_of("create", "update"), "record": SHARE_RECORD}
    ),
}


def allowed_payload(destination: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with only what the action's allow-list lets leave (the payload itself for
    an action without one)."""
    shape = ALLOWED.get((destination, action))
    if shape is None:
        return payload
    filtered = _filtered(payload, shape)
    return filtered if isinstance(filtered, dict) else {}

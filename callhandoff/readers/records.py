"""One parsed JSON record -> one `Transcript`, whichever of the three JSON shapes it has.

Shapes are told apart by keys, never by regex, so a 14 MB JSONL reads at thousands of
records a second:
- native: `{"call_id", "destination", ..., "turns": [{"speaker", "text"}]}` (our schema);
- chat (CuCoM): `{"id", "turns": [{"role", "content"}]}`;
- ABCD: `{"convo_id", "original": [[speaker, text], ...]}` or a bare list of pairs.
Problems raise `InputError` with a message naming the turn (1-based) and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callhandoff.exceptions import InputError
from callhandoff.readers.common import (
    ABCD_SPEAKERS,
    CHAT_SPEAKERS,
    NATIVE_SPEAKERS,
    Origin,
    optional_str,
    parse_destination,
    parse_speaker,
    parse_started_at,
    parse_text_value,
    type_name,
    validate_transcript,
)
from callhandoff.schema.transcript import SourceRef, Transcript

EXPECTED_SHAPES = "expected 'turns' (native or chat), 'original' (ABCD) or [speaker, text] pairs"
_SHOWN_KEYS = 12


@dataclass(frozen=True)
class _Where:
    """The record's input, its start line, and the call ID to use when it has none."""

    origin: Origin
    line: int | None
    fallback_id: str


def is_pair_list(value: list[Any]) -> bool:
    """True for a bare ABCD conversation (`[[speaker, text], ...]`), false for a list of records."""
    return bool(value) and isinstance(value[0], list)


def to_transcript(
    value: Any, origin: Origin, line: int | None, index: int | None = None
) -> Transcript:
    """Build the transcript one JSON record describes; `line` is where the record starts.

    `index` (1-based position in an array) tells apart records that share a line, for the
    fallback call ID `<file stem>-<line>-<index>` of records without an ID.
    """
    fallback = f"{origin.stem}-{line}" if line is not None else origin.stem
    where = _Where(origin, line, fallback if index is None else f"{fallback}-{index}")
    if isinstance(value, dict):
        if "turns" in value:
            return _from_turns(value, where)
        if "original" in value:
            return _from_abcd(value, value["original"], where)
        raise InputError(f"unrecognised transcript format: {EXPECTED_SHAPES}; {_keys(value)}")
    if isinstance(value, list) and is_pair_list(value):
        return _from_abcd({}, value, where)
    got = "an empty array" if value == [] else type_name(value)
    raise InputError(f"unrecognised transcript format: {EXPECTED_SHAPES}; got {got}")


def _keys(record: dict[str, Any]) -> str:
    """`got keys ['foo', 'bar']`, in the record's order, capped for huge objects."""
    if not record:
        return "got an empty object"
    keys = [str(key) for key in record][:_SHOWN_KEYS]
    more = f" and {len(record) - _SHOWN_KEYS} more" if len(record) > _SHOWN_KEYS else ""
    return f"got keys {keys}{more}"


def _from_turns(record: dict[str, Any], where: _Where) -> Transcript:
    turns = record["turns"]
    if not isinstance(turns, list):
        raise InputError(f"'turns' must be an array, got {type_name(turns)}")
    if not turns:
        raise InputError("no turns")
    first = turns[0]
    if isinstance(first, dict) and "speaker" in first:
        return _from_native(record, turns, where)
    if isinstance(first, dict) and "role" in first:
        return _from_chat(record, turns, where)
    got = _keys(first) if isinstance(first, dict) else f"got {type_name(first)}"
    raise InputError(
        f"turn 1: expected 'speaker' and 'text' (native) or 'role' and 'content' (chat); {got}"
    )


def _from_native(record: dict[str, Any], turns: list[Any], where: _Where) -> Transcript:
    data = dict(record)
    data["turns"] = [_native_turn(turn, number) for number, turn in enumerate(turns, 1)]
    data["call_id"] = _call_id(record, where, prefix="")
    data["destination"] = parse_destination(
        record.get("destination"), where.origin.default_destination
    )
    if "started_at" in record:
        data["started_at"] = parse_started_at(record["started_at"], where.origin.tz)
    data["source"] = SourceRef(path=where.origin.name, line=where.line, format="native")
    return validate_transcript(data, where.origin.limits)


def _native_turn(turn: Any, number: int) -> dict[str, Any]:
    if not isinstance(turn, dict):
        raise InputError(
            f"turn {number}: expected an object with 'speaker' and 'text', got {type_name(turn)}"
        )
    data = dict(turn)
    data["speaker"] = parse_speaker(turn.get("speaker"), NATIVE_SPEAKERS, number)
    data["text"] = parse_text_value(turn.get("text"), number)
    return data


def _from_chat(record: dict[str, Any], turns: list[Any], where: _Where) -> Transcript:
    parsed: list[dict[str, Any]] = []
    for number, turn in enumerate(turns, 1):
        if not isinstance(turn, dict):
            raise InputError(
                f"turn {number}: expected an object with 'role' and 'content', "
                f"got {type_name(turn)}"
            )
        if "role" not in turn:
            raise InputError(f"turn {number}: 'role' is missing")
        speaker = parse_speaker(turn["role"], CHAT_SPEAKERS, number)
        parsed.append(
            {"speaker": speaker, "text": parse_text_value(turn.get("content"), number, "content")}
        )
        if len(turn) > 2:
            parsed.extend(_merged_replies(turn, number))
    return _build(record, parsed, where, fmt="chat", prefix="")


def _merged_replies(turn: dict[str, Any], number: int) -> list[dict[str, Any]]:
    """Replies folded into a turn under a role key (`{"role": "user", ..., "agent": "..."}`).

    CuCoM has a few of these; each becomes its own turn right after, so no text is lost.
    """
    replies: list[dict[str, Any]] = []
    for key, value in turn.items():
        if key in ("role", "content") or not isinstance(value, str):
            continue
        speaker = CHAT_SPEAKERS.get(key.lower())
        if speaker is not None and value.strip():
            replies.append({"speaker": speaker, "text": value})
    return replies


def _from_abcd(record: dict[str, Any], pairs: Any, where: _Where) -> Transcript:
    if not isinstance(pairs, list):
        raise InputError(
            f"'original' must be an array of [speaker, text] pairs, got {type_name(pairs)}"
        )
    if not pairs:
        raise InputError("no turns")
    parsed: list[dict[str, Any]] = []
    for number, pair in enumerate(pairs, 1):
        if not isinstance(pair, list) or len(pair) != 2:
            shown = f"{len(pair)} items" if isinstance(pair, list) else type_name(pair)
            raise InputError(f"turn {number}: expected a [speaker, text] pair, got {shown}")
        speaker = parse_speaker(pair[0], ABCD_SPEAKERS, number)
        parsed.append({"speaker": speaker, "text": parse_text_value(pair[1], number)})
    return _build(record, parsed, where, fmt="abcd", prefix="abcd-")


def _build(
    record: dict[str, Any],
    turns: list[dict[str, Any]],
    where: _Where,
    *,
    fmt: str,
    prefix: str,
) -> Transcript:
    """Chat and ABCD: our metadata keys are honoured when present, the rest is ignored."""
    data: dict[str, Any] = {
        "call_id": _call_id(record, where, prefix=prefix),
        "destination": parse_destination(
            record.get("destination"), where.origin.default_destination
        ),
        "store": optional_str(record.get("store"), "store"),
        "channel": optional_str(record.get("channel"), "channel") or "chat",
        "caller_phone": optional_str(record.get("caller_phone"), "caller_phone"),
        "started_at": parse_started_at(record.get("started_at"), where.origin.tz),
        "turns": turns,
        "source": SourceRef(path=where.origin.name, line=where.line, format=fmt),
    }
    return validate_transcript(data, where.origin.limits)


def _call_id(record: dict[str, Any], where: _Where, *, prefix: str) -> str:
    """`call_id`, else `id` / `convo_id` (with the format's prefix), else `<file stem>-<line>`."""
    if "call_id" in record:
        value = optional_str(record["call_id"], "call_id")
        if value is None:
            raise InputError("call_id is empty")
        return value
    for key in ("id", "convo_id"):
        value = optional_str(record.get(key), key)
        if value is not None:
            return prefix + value
    return where.fallback_id

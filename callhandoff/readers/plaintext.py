"""Plain-text transcripts: optional `Key: value` headers, then `Agent:` / `Customer:` lines.

    Call-ID: DN-1042
    Destination: cults

    [00:00:03] Agent: Thanks for calling, how can I help?
    [00:00:07] Customer: My print arrived broken.
    It snapped at the base.          <- no prefix: continues the previous turn

One transcript per file. Line numbers in errors are 1-based lines of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from callhandoff.exceptions import InputError
from callhandoff.readers.common import (
    PLAINTEXT_LABELS,
    PLAINTEXT_SPEAKERS,
    UNKNOWN_SPEAKER_HINT,
    Origin,
    parse_destination,
    parse_started_at,
    validate_transcript,
)
from callhandoff.schema.transcript import SourceRef, Transcript

_TIMESTAMP = re.compile(r"\[(\d{1,3}):(\d{1,2})(?::(\d{1,2}))?(\.\d+)?\]\s*")
_PHONE = re.compile(r"\+?[\d\s().-]{3,}")
_KEY = re.compile(r"([A-Za-z][\w .-]{0,39}?)\s*:\s*")
_SPEAKER_LIKE = re.compile(r"[A-Z][A-Za-z]{1,19}|[A-Z][a-z]+ ?\d{1,2}")

#: Header key (lower-case, without '-', '_' and spaces) -> Transcript field.
_HEADERS = {
    "callid": "call_id",
    "destination": "destination",
    "store": "store",
    "channel": "channel",
    "caller": "caller_phone",
    "callerphone": "caller_phone",
    "started": "started_at",
    "startedat": "started_at",
    "transcripturl": "transcript_url",
    "recordingurl": "recording_url",
}
_HEADER_HINT = (
    "headers are Call-ID, Destination, Store, Channel, Caller, Started, Transcript-URL, "
    "Recording-URL; turns start with 'Agent:' or 'Customer:'"
)
_T = TypeVar("_T")
NO_TURNS = "no 'Agent:'/'Customer:' lines found"


@dataclass
class _Turn:
    speaker: str
    line: int
    start: float | None
    parts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Line:
    """One line: an optional `[mm:ss]` timestamp, an optional `Key:` prefix, the rest.

    `body` is the stripped line after the timestamp, kept verbatim for continuations.
    """

    timestamp: re.Match[str] | None
    key: str | None
    rest: str
    body: str


def parse_plaintext(text: str, origin: Origin) -> Transcript:
    """Parse a whole plain-text file into one transcript, or raise a located `InputError`."""
    lines = [_split(line.removesuffix("\r")) for line in text.split("\n")]
    first = next((i for i, line in enumerate(lines) if _starts_turn(line)), None)
    if first is None:
        raise InputError(NO_TURNS)
    headers = _read_headers(lines[:first])
    data: dict[str, Any] = {
        "call_id": _header(headers, "call_id") or origin.stem,
        "destination": origin.default_destination,
        "channel": _header(headers, "channel") or "phone",
        "store": _header(headers, "store"),
        "caller_phone": _header(headers, "caller_phone"),
        "links": {
            "transcript": _header(headers, "transcript_url"),
            "recording": _header(headers, "recording_url"),
        },
        "turns": _read_turns(lines, first),
        "source": SourceRef(path=origin.name, line=None, format="plaintext"),
    }
    if "destination" in headers:
        value, line = headers["destination"]
        data["destination"] = _located(line, parse_destination, value, origin.default_destination)
    if "started_at" in headers:
        value, line = headers["started_at"]
        data["started_at"] = _located(line, parse_started_at, value, origin.tz, "Started")
    return validate_transcript(data, origin.limits)


def _split(line: str) -> _Line:
    body = line.strip()
    timestamp = _TIMESTAMP.match(body)
    if timestamp:
        body = body[timestamp.end() :]
    key = _KEY.match(body)
    if key:
        return _Line(timestamp, key.group(1).strip(), body[key.end() :].strip(), body)
    return _Line(timestamp, None, body, body)


def _starts_turn(line: _Line) -> bool:
    """A known speaker prefix, or any timestamped line (a turn even if its speaker is wrong).

    `Caller:` is both a speaker and a header: before the turns, `Caller: +1 555 0100`
    (a phone number and nothing else) is the caller-ID header.
    """
    if line.timestamp is not None:
        return True
    if line.key is None or line.key.lower() not in PLAINTEXT_SPEAKERS:
        return False
    return not (line.key.lower() == "caller" and _PHONE.fullmatch(line.rest))


def _read_headers(lines: list[_Line]) -> dict[str, tuple[str, int]]:
    """Header field -> (value, 1-based line). Empty values are left unset."""
    headers: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(lines, 1):
        if line.key is None:
            if line.body:
                raise InputError(
                    "expected a 'Key: value' header or an 'Agent:'/'Customer:' line, "
                    f"got {line.body[:60]!r} ({_HEADER_HINT})",
                    line=number,
                )
            continue
        name = _HEADERS.get(re.sub(r"[\s_-]", "", line.key.lower()))
        if name is None:
            raise InputError(f"unknown header {line.key!r} ({_HEADER_HINT})", line=number)
        if line.rest:
            headers[name] = (line.rest, number)
    return headers


def _header(headers: dict[str, tuple[str, int]], name: str) -> str | None:
    entry = headers.get(name)
    return entry[0] if entry else None


def _located(line: int, parse: Callable[..., _T], *args: Any) -> _T:
    """Run a field parser; its `InputError` gets the header's line."""
    try:
        return parse(*args)
    except InputError as exc:
        raise InputError(exc.problem, line=line) from None


def _read_turns(lines: list[_Line], first: int) -> list[dict[str, Any]]:
    turns: list[_Turn] = []
    for index in range(first, len(lines)):
        line, number = lines[index], index + 1
        speaker = PLAINTEXT_SPEAKERS.get(line.key.lower()) if line.key is not None else None
        if speaker is not None:
            start = _seconds(line.timestamp, len(turns) + 1, number)
            turns.append(_Turn(speaker.value, number, start, [line.rest]))
        elif line.timestamp is not None:
            raise InputError(_bad_timestamped_line(line, len(turns) + 1), line=number)
        elif _unknown_speaker(line):
            raise InputError(
                f"turn {len(turns) + 1}: unknown speaker {line.key!r} {UNKNOWN_SPEAKER_HINT}",
                line=number,
            )
        elif line.body:
            turns[-1].parts.append(line.body)
    result: list[dict[str, Any]] = []
    for turn_number, turn in enumerate(turns, 1):
        text = "\n".join(piece for piece in turn.parts if piece)
        if not text:
            raise InputError(f"turn {turn_number}: text is empty", line=turn.line)
        result.append({"speaker": turn.speaker, "text": text, "start": turn.start})
    return result


def _unknown_speaker(line: _Line) -> bool:
    """`Manager: ...` or `Robot: ...`: one capitalised word (or `Agent 2`) that names no known
    speaker and no common label. Merging it into the previous turn would put its words in
    someone else's mouth, so it is an error."""
    key = line.key
    return (
        key is not None
        and bool(line.rest)
        and _SPEAKER_LIKE.fullmatch(key) is not None
        and key.lower() not in PLAINTEXT_LABELS
    )


def _bad_timestamped_line(line: _Line, turn: int) -> str:
    stamp = line.timestamp.group(0).strip() if line.timestamp else ""
    if line.key is not None:
        return f"turn {turn}: unknown speaker {line.key!r} {UNKNOWN_SPEAKER_HINT}"
    return (
        f"turn {turn}: timestamp {stamp!r} is not followed by a speaker "
        f"(write '{stamp} Agent: ...')"
    )


def _seconds(timestamp: re.Match[str] | None, turn: int, line: int) -> float | None:
    """`[1:05]` -> 65.0, `[00:01:05]` -> 65.0, `[1:05.5]` -> 65.5."""
    if timestamp is None:
        return None
    first, second, third, fraction = timestamp.groups()
    if third is None:
        hours, minutes, seconds = 0, int(first), int(second)
    else:
        hours, minutes, seconds = int(first), int(second), int(third)
    if (third is not None and minutes >= 60) or seconds >= 60:
        stamp = timestamp.group(0).strip()
        raise InputError(
            f"turn {turn}: timestamp {stamp!r} is not a valid time (use [mm:ss] or [hh:mm:ss])",
            line=line,
        )
    return hours * 3600 + minutes * 60 + seconds + (float(fraction) if fraction else 0.0)

"""JSON inputs: JSONL streams (one record a line) and JSON documents (an object or an array).

JSONL is read one line at a time, so a 14 MB file never sits in memory. A JSON document
is parsed element by element with `raw_decode`, which gives each record its own start
line and raw text; one syntax error makes the whole document unreadable, so it becomes a
single `Rejected` holding the whole file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

from callhandoff.exceptions import InputError
from callhandoff.readers.common import Origin
from callhandoff.readers.records import is_pair_list, to_transcript
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

_WHITESPACE = re.compile(r"[ \t\n\r]*")
EMPTY_INPUT = "the input is empty: no transcripts found"
EMPTY_ARRAY = "the array is empty: no transcripts found"


def json_problem(error: ValueError | RecursionError) -> str:
    """`invalid JSON: Expecting ',' delimiter at column 17` (the line goes in `Rejected.line`)."""
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON: {error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "invalid JSON: nested too deeply to read"
    return f"invalid JSON: {error}"  # e.g. an integer with more than 4300 digits


def parses_alone(line: str) -> bool:
    """True when one line is a complete JSON object or array by itself (so: JSONL)."""
    stripped = line.strip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        json.loads(stripped)
    except (ValueError, RecursionError):
        return False
    return True


def iter_jsonl(lines: Iterable[str | bytes], origin: Origin) -> Iterator[Transcript | Rejected]:
    """One record per line; blank lines are skipped; `bytes` lines are decoded as UTF-8."""
    seen = False
    for number, item in enumerate(lines, 1):
        if isinstance(item, bytes):
            try:
                line = item.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                seen = True
                raw = item.decode("utf-8", "backslashreplace").rstrip("\r\n")
                problem = f"not valid UTF-8 (byte {exc.start + 1} of the line); send UTF-8 text"
                yield origin.reject(problem, number, raw)
                continue
        else:
            line = item
        raw = line.rstrip("\r\n")
        if not raw.strip():
            continue
        seen = True
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            yield origin.reject(json_problem(exc), number, raw)
            continue
        if isinstance(value, list) and not is_pair_list(value):
            yield from _array_items(value, origin, number, raw)
        else:
            yield _record(value, origin, number, raw)
    if not seen:
        yield origin.reject(EMPTY_INPUT, None, "")


def _array_items(
    items: list[Any], origin: Origin, line: int, raw: str
) -> Iterator[Transcript | Rejected]:
    """A JSONL line holding an array of records: they share the line (and the raw text)."""
    if not items:
        yield origin.reject(EMPTY_ARRAY, line, raw)
    for index, item in enumerate(items, 1):
        yield _record(item, origin, line, raw, index if len(items) > 1 else None)


def _record(
    value: Any, origin: Origin, line: int, raw: str, index: int | None = None
) -> Transcript | Rejected:
    try:
        return to_transcript(value, origin, line, index)
    except InputError as exc:
        return origin.rejected_from(exc, line, raw)


def iter_json_text(text: str, origin: Origin) -> Iterator[Transcript | Rejected]:
    """A `.json` document: an object, an array of records, or a bare [speaker, text] list.

    A document that is really JSONL (`Extra data` after a one-line first record) is read
    as JSONL, so a misnamed file still works record by record.
    """
    if not text.strip():
        yield origin.reject(EMPTY_INPUT, None, "")
        return
    try:
        is_array, elements = _walk(text)
    except json.JSONDecodeError as exc:
        first = next((line for line in text.split("\n") if line.strip()), "")
        if exc.msg == "Extra data" and parses_alone(first):
            yield from iter_jsonl(text.split("\n"), origin)
            return
        yield origin.reject(json_problem(exc), exc.lineno, text)
        return
    except (ValueError, RecursionError) as exc:
        yield origin.reject(json_problem(exc), None, text)
        return
    if not is_array or (elements and isinstance(elements[0][0], list)):
        start = _skip(text, 0)
        line = text.count("\n", 0, start) + 1
        if is_array:  # a bare [[speaker, text], ...] conversation: the whole file is one record
            yield _record([element[0] for element in elements], origin, line, text)
        else:
            value, start, end = elements[0]
            yield _record(value, origin, line, text[start:end])
        return
    if not elements:
        yield origin.reject(EMPTY_ARRAY, text.count("\n", 0, _skip(text, 0)) + 1, text)
        return
    yield from _elements(text, elements, origin)


def _elements(
    text: str, elements: list[tuple[Any, int, int]], origin: Origin
) -> Iterator[Transcript | Rejected]:
    """Each array element with its own start line; elements sharing a line get an index."""
    starts = [text.count("\n", 0, elements[0][1]) + 1]
    for (_, previous, _), (_, start, _) in pairwise(elements):
        starts.append(starts[-1] + text.count("\n", previous, start))
    per_line = Counter(starts)
    for index, (value, start, end) in enumerate(elements, 1):
        line = starts[index - 1]
        shared = per_line[line] > 1
        yield _record(value, origin, line, text[start:end], index if shared else None)


def _walk(text: str) -> tuple[bool, list[tuple[Any, int, int]]]:
    """Parse a document; for a top-level array return each element with its offsets.

    Raises `json.JSONDecodeError` with the line and column of the first syntax error.
    """
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        value, end = decoder.raw_decode(text, pos)
        _expect_end(text, end)
        return False, [(value, pos, end)]
    elements: list[tuple[Any, int, int]] = []
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        _expect_end(text, pos + 1)
        return True, elements
    while True:
        value, end = decoder.raw_decode(text, pos)
        elements.append((value, pos, end))
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("]", pos):
            _expect_end(text, pos + 1)
            return True, elements
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _expect_end(text: str, pos: int) -> None:
    pos = _skip(text, pos)
    if pos != len(text):
        raise json.JSONDecodeError("Extra data", text, pos)

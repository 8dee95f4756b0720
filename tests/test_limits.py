"""Bounded resources: oversized transcripts are rejected with the limit named, and no
output line grows with the length of what was said."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from callhandoff.pipeline import process_stream
from callhandoff.readers import iter_inputs
from callhandoff.readers.common import Limits
from callhandoff.schema.enums import Destination
from callhandoff.schema.handoff import MAX_QUOTE_CHARS, Evidence
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend

WORDS = "the parcel arrived late and my daughter was upset because it was for her party".split()


def _monologue(chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(WORDS[len(words) % len(WORDS)])
    return "My order HH-100234 " + " ".join(words)


def _write(path: Path, text: str, turns: int = 2) -> Path:
    record = {
        "call_id": path.stem,
        "destination": "cloudcart",
        "turns": [{"speaker": "customer", "text": text}]
        + [{"speaker": "agent", "text": "ok"}] * (turns - 1),
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def _read(path: Path, limits: Limits) -> list[CallResult | Rejected]:
    settings = Settings()
    inputs = iter_inputs([path], default_destination=Destination.CLOUDCART, tz=UTC, limits=limits)
    return list(process_stream(inputs, OfflineBackend(settings), settings))


def test_a_transcript_beyond_the_size_limit_is_rejected_with_the_limit_named(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "big.jsonl", _monologue(5_000))
    [item] = _read(path, Limits(max_chars=1_000))
    assert isinstance(item, Rejected) and item.line == 1
    assert item.problem.startswith("transcript too large: 5,0")
    assert "the limit is 1,000 (CALLHANDOFF_MAX_TRANSCRIPT_CHARS)" in item.problem


def test_a_transcript_with_too_many_turns_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.jsonl", "hello", turns=50)
    [item] = _read(path, Limits(max_turns=20))
    assert isinstance(item, Rejected)
    assert "50 turns; the limit is 20 (CALLHANDOFF_MAX_TURNS)" in item.problem


def test_a_long_single_sentence_gives_short_quotes_and_a_short_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "rant.jsonl", _monologue(60_000))
    [result] = _read(path, Limits())
    assert isinstance(result, CallResult)
    line = result.model_dump_json()
    assert len(line) < 20_000  # the sentence is 60,000 characters
    quotes = list(_quotes(json.loads(line)))
    assert quotes  # there is evidence, and every quote is clipped
    assert all(len(quote) <= MAX_QUOTE_CHARS for quote in quotes)


def _quotes(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "quote" and isinstance(item, str):
                yield item
            else:
                yield from _quotes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _quotes(item)


def test_a_long_quote_keeps_its_beginning_at_a_word_boundary() -> None:
    quote = " ".join(["word"] * 200)
    clipped = Evidence(turn=0, quote=quote).quote
    assert len(clipped) <= MAX_QUOTE_CHARS and quote.startswith(clipped)
    assert clipped.endswith("word")

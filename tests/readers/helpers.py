"""Shared helpers for the reader tests: fixture paths and assertions on what came out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

Item = Transcript | Rejected
Parse = Callable[..., list[Item]]


def only_transcript(items: list[Item]) -> Transcript:
    """The single item, which must be a transcript (shows the rejection otherwise)."""
    assert len(items) == 1, items
    item = items[0]
    assert isinstance(item, Transcript), item
    return item


def only_rejected(items: list[Item]) -> Rejected:
    """The single item, which must be a rejection."""
    assert len(items) == 1, items
    item = items[0]
    assert isinstance(item, Rejected), item
    return item


def transcripts(items: list[Item]) -> list[Transcript]:
    """All items, which must all be transcripts (shows the first rejection otherwise)."""
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert not rejected, rejected[0].message()
    return [item for item in items if isinstance(item, Transcript)]

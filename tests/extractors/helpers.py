"""Small builders for extractor tests: a call from a few turns, and the evidence check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callhandoff.schema import Extracted, Transcript

# 2025-03-14 was a Friday; deadlines in these tests resolve against it.
FRIDAY = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def call(*turns: str) -> Transcript:
    """A call from lines written "C: ..." (customer), "A: ..." (agent) or "S: ..." (system)."""
    speakers = {"C": "customer", "A": "agent", "S": "system", "B": "bot"}
    parsed = []
    for line in turns:
        who, _, text = line.partition(": ")
        parsed.append({"speaker": speakers[who], "text": text})
    return Transcript.model_validate(
        {"call_id": "t-1", "destination": "cloudcart", "started_at": FRIDAY, "turns": parsed}
    )


def grounded(t: Transcript, item: Extracted[Any]) -> bool:
    """The grounding contract: the quote is an exact substring of the cited turn."""
    return bool(item.evidence.quote) and item.evidence.quote in t.turns[item.evidence.turn].text

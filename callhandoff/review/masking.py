"""Sensitive spans masked on screen: card numbers, codes, passwords and ID numbers said on a call.

The pipeline's redaction stage (`callhandoff.redaction`) masks secrets before a
transcript is stored, so a store written by this version holds none. The
reviewer app masks again with the same stage on everything it shows, so a store
written before redaction existed never shows one either; the rule lives in one
place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callhandoff.redaction.stage import redact_text, redact_transcript
from callhandoff.schema.transcript import Transcript


@dataclass(frozen=True)
class Masker:
    """Masks what a reviewer is shown of one call: its turns, quotes, fields and payloads."""

    transcript_masked: Transcript

    @classmethod
    def of(cls, transcript: Transcript) -> Masker:
        """The masker for one call (its transcript redacted once, in context)."""
        return cls(redact_transcript(transcript))

    def text(self, text: str) -> str:
        """`text` with every secret in it masked."""
        return redact_text(text)

    def json(self, value: Any) -> Any:
        """Every string inside a JSON-like value masked (dict keys kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        return value

    def transcript(self, transcript: Transcript) -> Transcript:
        """The transcript with every turn's secrets masked (answers to a request included)."""
        if transcript == self.transcript_masked:
            return transcript
        return redact_transcript(transcript)

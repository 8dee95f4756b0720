"""Sensitive spans masked on screen: card numbers, codes, passwords and ID numbers said on a call.

The spans are the sensitive-data extractor's (`find_sensitive_data`), so the
reviewer app hides exactly what the policy flags; each is replaced by the
extractor's masked description ("card number ending 4242"), never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callhandoff.extractors.sensitive import find_sensitive_data
from callhandoff.schema.transcript import Transcript


@dataclass(frozen=True)
class Masker:
    """Replaces every sensitive quote of one transcript with its masked label."""

    spans: tuple[tuple[str, str], ...]  # (quote as said, label), longest first

    @classmethod
    def of(cls, transcript: Transcript) -> Masker:
        """The masker for the sensitive data said in `transcript`."""
        found = {item.evidence.quote: f"[{item.value}]" for item in find_sensitive_data(transcript)}
        return cls(tuple(sorted(found.items(), key=lambda pair: -len(pair[0]))))

    def text(self, text: str) -> str:
        """`text` with every sensitive quote (or a part of one it is inside) masked."""
        for quote, label in self.spans:
            if quote in text:
                text = text.replace(quote, label)
            elif len(text) >= 4 and text in quote:
                return label
        return text

    def json(self, value: Any) -> Any:
        """Every string inside a JSON-like value masked (dict keys kept)."""
        if not self.spans:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {key: self.json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.json(item) for item in value]
        return value

    def transcript(self, transcript: Transcript) -> Transcript:
        """The transcript with every turn's sensitive spans masked."""
        if not self.spans:
            return transcript
        turns = [
            turn.model_copy(update={"text": self.text(turn.text)}) for turn in transcript.turns
        ]
        return transcript.model_copy(update={"turns": turns})

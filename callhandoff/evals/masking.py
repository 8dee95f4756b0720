"""Secrets said on a call are masked wherever the eval suite shows or sends a call.

Gold transcripts are real-looking calls: a caller may read out a card number. The
report, the comparison page and the summary judge show transcripts, summaries and
evidence quotes; each is passed through the pipeline's redaction stage
(`callhandoff.redaction`), so a report attached to a pull request or a prompt
sent to a judge never carries a secret, and the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from callhandoff.redaction.stage import redact_text, redact_transcript
from callhandoff.schema.transcript import Transcript

Mask = Callable[[str], str]


def secret_mask(transcript: Transcript) -> Mask:
    """A function that masks every secret said in `transcript` wherever its text appears.

    Whole turns are masked in context first (a code read out in answer to the
    agent's question is only a secret because of the question), then any text
    on its own.
    """
    redacted = redact_transcript(transcript)
    turns = [
        (raw.text, masked.text)
        for raw, masked in zip(transcript.turns, redacted.turns, strict=True)
        if raw.text != masked.text
    ]

    def mask(text: str) -> str:
        for raw, masked in turns:
            text = text.replace(raw, masked)
        return redact_text(text)

    return mask

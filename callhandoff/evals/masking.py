"""Secrets said on a call are masked wherever the eval suite shows or sends a call.

Gold transcripts are real-looking calls: a caller may read out a card number. The
report, the comparison page and the summary judge show transcripts, summaries and
evidence quotes; each secret the sensitive-data extractor finds is replaced there
by its masked description (`[card number ending 4242]`), so a report attached to
a pull request or a prompt sent to a judge never carries it.
"""

from __future__ import annotations

from collections.abc import Callable

from callhandoff.extractors.sensitive import find_sensitive_data
from callhandoff.schema.transcript import Transcript

Mask = Callable[[str], str]


def secret_mask(transcript: Transcript) -> Mask:
    """A function that replaces every secret said in `transcript` wherever it appears."""
    found = [(item.evidence.quote, f"[{item.value}]") for item in find_sensitive_data(transcript)]
    found.sort(key=lambda pair: -len(pair[0]))  # longer quotes first: one may contain another

    def mask(text: str) -> str:
        for quote, shown in found:
            text = text.replace(quote, shown)
        return text

    return mask

"""Secrets said on the call, as the redaction stage left them: masks, never the secret.

Redaction runs before extraction and replaces every card number, CVV, one-time
code, PIN, password, security answer and ID number with a mask such as
`[redacted card number ending 4242]` (`callhandoff.redaction.masks`). This
extractor turns the masks in the customer's turns into masked descriptions
("card number ending 4242", "OTP shared") whose evidence is the caller's masked
sentence, so the handoff can flag `sensitive_data_shared` without spreading it.
A transcript that was not redacted is masked here first (a direct call on raw text).
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.view import CUED, CallView, Candidate, TurnView, rank, view_of
from callhandoff.redaction.masks import MASK_RE, describe
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_sensitive_data"]

_SENTENCE_END: Final = re.compile(r"[.!?\n]")
_MAX_QUOTE: Final = 200


def _quote_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a mask, at most `_MAX_QUOTE` characters around it."""
    head = max(
        (m.end() for m in _SENTENCE_END.finditer(text, max(0, start - _MAX_QUOTE), start)),
        default=max(0, start - _MAX_QUOTE),
    )
    tail_match = _SENTENCE_END.search(text, end, min(len(text), end + _MAX_QUOTE))
    tail = tail_match.end() if tail_match else min(len(text), end + _MAX_QUOTE)
    while head < start and text[head].isspace():
        head += 1
    return head, tail


def _masks(turn: TurnView) -> list[Candidate]:
    text = turn.original
    found = []
    for m in MASK_RE.finditer(text):
        start, end = _quote_span(text, m.start(), m.end())
        found.append(Candidate(describe(m), CUED, turn, start, end, "rule:sensitive", True))
    return found


def find_sensitive_data(t: Transcript | CallView) -> list[Extracted[str]]:
    """Card numbers, CVV/OTP/PIN codes, passwords, security answers and ID numbers the
    customer said, as masked descriptions quoting the masked sentence."""
    if isinstance(t, Transcript):
        # imported here: the redaction stage itself reads speech with extractors.spoken
        from callhandoff.redaction.stage import redact_transcript

        t = redact_transcript(t)
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.customer_turns():
        if "[redacted " in turn.original:
            cands.extend(_masks(turn))
    return rank(cands)

"""Document-level cues for the classifier, from the text's shape and the exact extractors."""

from __future__ import annotations

from datetime import date

from callhandoff.schema.enums import Speaker
from callhandoff.schema.transcript import Transcript


def doc_cues(
    transcript: Transcript,
    *,
    deadline_days: int | None,
    has_order_id: bool,
    has_amount: bool,
    has_sensitive: bool,
) -> list[str]:
    """`DOC:` features: a near deadline, ids and amounts, shouting, questions, length."""
    text = " ".join(t.text for t in transcript.turns if t.speaker is Speaker.CUSTOMER)
    cues = ["DOC:bias"]
    if deadline_days is not None:
        if deadline_days <= 1:
            cues.append("DOC:deadline<=1d")
        elif deadline_days <= 3:
            cues.append("DOC:deadline<=3d")
        else:
            cues.append("DOC:deadline>3d")
    if has_order_id:
        cues.append("DOC:order_id")
    if has_amount:
        cues.append("DOC:amount")
    if has_sensitive:
        cues.append("DOC:sensitive")
    exclamations = text.count("!")
    if exclamations >= 3:
        cues.append("DOC:exclaim>=3")
    elif exclamations:
        cues.append("DOC:exclaim")
    shouted = sum(1 for word in text.split() if len(word) > 2 and word.isupper())
    if shouted >= 2:
        cues.append("DOC:caps")
    if "?" in text:
        cues.append("DOC:question")
    return cues


def days_until(deadline: date | None, reference: date) -> int | None:
    """Whole days from the call to the deadline, or None."""
    return None if deadline is None else (deadline - reference).days

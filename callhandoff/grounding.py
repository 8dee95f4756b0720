"""The grounding check: no value reaches the policy without support in the transcript.

Applied to every handoff from every backend. A value survives when its evidence
quote is in the cited turn (verbatim, or after case/space folding, or fuzzily
above a threshold for quotes long enough for fuzzy matching to mean anything)
and, for identifiers, when the value itself can be read in that quote. Anything
else is removed from the handoff and listed in `handoff.grounding.dropped`, so
the drop is visible to reviewers and counted by the eval suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from callhandoff.extractors.spoken import normalize
from callhandoff.normalize import id_key, phone_national_digits
from callhandoff.schema.handoff import (
    DroppedValue,
    Evidence,
    Extracted,
    FieldChange,
    GroundingReport,
    Handoff,
)
from callhandoff.schema.transcript import Transcript

# Quotes shorter than this must match verbatim (after folding): fuzzy scores on a
# handful of characters are noise.
MIN_FUZZY_QUOTE_CHARS = 12

_NON_DIGIT = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")

# Extra check for identifier-like fields: the value must be readable in the quote.
ValueCheck = Callable[[str, str], bool]


def _digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _identifier_in_quote(value: str, quote: str) -> bool:
    """An id is supported when its letters and digits appear, in order, in the quote."""
    compact_value = id_key(value)
    if not compact_value:
        return False
    if compact_value in id_key(quote):
        return True
    return compact_value in id_key(_spoken_to_written(quote))


def _phone_in_quote(value: str, quote: str) -> bool:
    """An E.164 phone is supported when its national number's digits are in the quote."""
    national = phone_national_digits(value)
    if national is None:
        return False
    return national in _digits(quote) or national in _digits(_spoken_to_written(quote))


def _email_in_quote(value: str, quote: str) -> bool:
    """An email is supported when its local part and domain name can be read in the quote."""
    local, _, domain = value.partition("@")
    wanted = (id_key(local), id_key(domain.split(".")[0]))
    if not wanted[0]:
        return False
    written = id_key(quote)
    if all(part in written for part in wanted):
        return True
    spoken = id_key(_spoken_to_written(quote))  # "john dot smith at gmail dot com"
    return all(part in spoken for part in wanted)


def _spoken_to_written(text: str) -> str:
    """Spoken digits and spelling turned into characters (four oh three -> 403)."""
    return normalize(text).text


VALUE_CHECKS: dict[str, ValueCheck] = {
    "caller.phone": _phone_in_quote,
    "caller.email": _email_in_quote,
    "caller.customer_id": _identifier_in_quote,
    "records.order_id": _identifier_in_quote,
    "records.other_order_ids": _identifier_in_quote,
    "records.product_skus": _identifier_in_quote,
    "records.booking_id": _identifier_in_quote,
}


def quote_in_text(quote: str, text: str, *, fuzzy_threshold: float) -> bool:
    """True when `quote` is in `text` verbatim, after folding case and spaces, or fuzzily.

    Fuzzy matching (rapidfuzz partial ratio, 0-100) is only used for quotes of at
    least MIN_FUZZY_QUOTE_CHARS characters, so speech-to-text spacing and
    punctuation differences pass while invented short values do not.
    """
    if quote in text:
        return True
    folded_quote, folded_text = _fold(quote), _fold(text)
    if folded_quote and folded_quote in folded_text:
        return True
    if len(folded_quote) < MIN_FUZZY_QUOTE_CHARS or fuzzy_threshold >= 100:
        return False
    return fuzz.partial_ratio(folded_quote, folded_text) >= fuzzy_threshold


def _evidence_problem(
    field: str, value: Any, evidence: Evidence, transcript: Transcript, fuzzy_threshold: float
) -> str | None:
    """Why this value is not grounded, or None when it is."""
    if evidence.turn >= len(transcript.turns):
        return f"cites turn {evidence.turn}, but the call has {len(transcript.turns)} turns"
    text = transcript.turns[evidence.turn].text
    if not quote_in_text(evidence.quote, text, fuzzy_threshold=fuzzy_threshold):
        return f"quote not found in turn {evidence.turn}"
    check = VALUE_CHECKS.get(field)
    if check is not None and isinstance(value, str) and not check(value, evidence.quote):
        return f"value {value!r} is not in the quoted words"
    return None


def _display(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(exclude_none=True)
    return str(value)


class _Walker:
    """Rebuilds a model without its ungrounded values, collecting the drops."""

    def __init__(self, transcript: Transcript, fuzzy_threshold: float):
        self.transcript = transcript
        self.fuzzy_threshold = fuzzy_threshold
        self.checked = 0
        self.dropped: list[DroppedValue] = []

    def keep(self, field: str, item: Extracted[Any] | FieldChange) -> bool:
        self.checked += 1
        value = item.value if isinstance(item, Extracted) else item.new_value
        problem = _evidence_problem(
            field, value, item.evidence, self.transcript, self.fuzzy_threshold
        )
        if problem is None:
            return True
        self.dropped.append(
            DroppedValue(field=field, value=_display(value), evidence=item.evidence, reason=problem)
        )
        return False

    def walk(self, model: BaseModel, prefix: str) -> BaseModel:
        updates: dict[str, Any] = {}
        for name in type(model).model_fields:
            current = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(current, Extracted | FieldChange):
                if not self.keep(path, current):
                    updates[name] = None
            elif (
                isinstance(current, list)
                and current
                and isinstance(current[0], Extracted | FieldChange)
            ):
                kept = [item for item in current if self.keep(path, item)]
                if len(kept) != len(current):
                    updates[name] = kept
            elif isinstance(current, BaseModel) and not isinstance(current, GroundingReport):
                rebuilt = self.walk(current, f"{path}.")
                if rebuilt is not current:
                    updates[name] = rebuilt
        return model.model_copy(update=updates) if updates else model


def ground_handoff(handoff: Handoff, transcript: Transcript, *, fuzzy_threshold: float) -> Handoff:
    """Return `handoff` without the values its evidence does not support, drops recorded.

    Existing drops (from a backend that already grounded some values) are kept.
    """
    walker = _Walker(transcript, fuzzy_threshold)
    grounded = walker.walk(handoff.model_copy(update={"grounding": GroundingReport()}), "")
    report = GroundingReport(
        checked=walker.checked,
        dropped=[*handoff.grounding.dropped, *walker.dropped],
        fuzzy_threshold=fuzzy_threshold,
    )
    assert isinstance(grounded, Handoff)
    return grounded.model_copy(update={"grounding": report})

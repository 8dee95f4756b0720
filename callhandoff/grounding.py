"""The grounding check: no value reaches the policy without support in the transcript.

Applied to every handoff from every backend. A value survives when its evidence
quote is in the call (verbatim, or after case/space folding, or fuzzily above a
threshold for quotes long enough for fuzzy matching to mean anything) and, for
identifiers, when the value itself can be read in that quote. A quote said in
another turn than the one cited (models misnumber turns) is re-anchored to the
turn that holds it, nearest to the cited one, and listed in
`handoff.grounding.reanchored`. Anything else is removed from the handoff and
listed in `handoff.grounding.dropped`, so the drop is visible to reviewers and
counted by the eval suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

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
    ReanchoredValue,
)
from callhandoff.schema.transcript import Transcript

# Quotes shorter than this must match verbatim (after folding): fuzzy scores on a
# handful of characters are noise.
MIN_FUZZY_QUOTE_CHARS = 12

_NON_DIGIT = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")

# Extra check for identifier-like fields: the value must be readable in the quote.
ValueCheck = Callable[[str, str], bool]
Item = TypeVar("Item", bound=Extracted[Any] | FieldChange)


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
    return compact_value in id_key(spoken_to_written(quote))


def _phone_in_quote(value: str, quote: str) -> bool:
    """An E.164 phone is supported when its national number's digits are in the quote."""
    national = phone_national_digits(value)
    if national is None:
        return False
    return national in _digits(quote) or national in _digits(spoken_to_written(quote))


def _email_in_quote(value: str, quote: str) -> bool:
    """An email is supported when its local part and domain name can be read in the quote."""
    local, _, domain = value.partition("@")
    wanted = (id_key(local), id_key(domain.split(".")[0]))
    if not wanted[0]:
        return False
    written = id_key(quote)
    if all(part in written for part in wanted):
        return True
    spoken = id_key(spoken_to_written(quote))  # "john dot smith at gmail dot com"
    return all(part in spoken for part in wanted)


def spoken_to_written(text: str) -> str:
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


def _by_distance(cited: int, count: int) -> list[int]:
    """Turn indexes nearest to `cited` first (the earlier one on a tie)."""
    anchor = min(max(cited, 0), count - 1)
    return sorted(range(count), key=lambda index: (abs(index - anchor), index))


def locate_quote(
    quote: str, texts: Sequence[str], cited: int, *, fuzzy_threshold: float
) -> int | None:
    """The turn that holds `quote`: the cited one when it does, else the nearest turn that does.

    Verbatim (or folded) matches anywhere win over fuzzy ones, so a misnumbered
    exact quote is never moved to a turn that only resembles it. None when no turn
    of the call holds the quote.
    """
    if not texts or not quote.strip():
        return None
    if 0 <= cited < len(texts) and quote_in_text(
        quote, texts[cited], fuzzy_threshold=fuzzy_threshold
    ):
        return cited
    order = _by_distance(cited, len(texts))
    for index in order:
        if quote_in_text(quote, texts[index], fuzzy_threshold=100.0):
            return index
    if fuzzy_threshold >= 100:
        return None
    for index in order:
        if quote_in_text(quote, texts[index], fuzzy_threshold=fuzzy_threshold):
            return index
    return None


def _evidence_problem(field: str, value: Any, evidence: Evidence) -> str | None:
    """Why this value cannot be read in its (located) quote, or None when it can."""
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
        self.texts = [turn.text for turn in transcript.turns]
        self.fuzzy_threshold = fuzzy_threshold
        self.checked = 0
        self.dropped: list[DroppedValue] = []
        self.reanchored: list[ReanchoredValue] = []

    def keep(self, field: str, item: Item) -> Item | None:
        """The item (its evidence moved to the turn that holds the quote), or None to drop it."""
        self.checked += 1
        value = item.value if isinstance(item, Extracted) else item.new_value
        evidence = item.evidence
        turn = locate_quote(
            evidence.quote, self.texts, evidence.turn, fuzzy_threshold=self.fuzzy_threshold
        )
        problem = (
            "quote not found in the call"
            if turn is None
            else _evidence_problem(field, value, evidence)
        )
        if problem is not None:
            self.dropped.append(
                DroppedValue(field=field, value=_display(value), evidence=evidence, reason=problem)
            )
            return None
        if turn == evidence.turn:
            return item
        assert turn is not None
        self.reanchored.append(
            ReanchoredValue(
                field=field,
                value=_display(value),
                cited_turn=evidence.turn,
                turn=turn,
                quote=evidence.quote,
            )
        )
        moved = item.model_copy(update={"evidence": evidence.model_copy(update={"turn": turn})})
        return cast(Item, moved)

    def walk(self, model: BaseModel, prefix: str) -> BaseModel:
        updates: dict[str, Any] = {}
        for name in type(model).model_fields:
            current = getattr(model, name)
            path = f"{prefix}{name}"
            if isinstance(current, Extracted | FieldChange):
                kept_item = self.keep(path, current)
                if kept_item is not current:
                    updates[name] = kept_item
            elif (
                isinstance(current, list)
                and current
                and isinstance(current[0], Extracted | FieldChange)
            ):
                kept = [found for item in current if (found := self.keep(path, item)) is not None]
                if len(kept) != len(current) or any(
                    a is not b for a, b in zip(kept, current, strict=False)
                ):
                    updates[name] = kept
            elif isinstance(current, BaseModel) and not isinstance(current, GroundingReport):
                rebuilt = self.walk(current, f"{path}.")
                if rebuilt is not current:
                    updates[name] = rebuilt
        return model.model_copy(update=updates) if updates else model


def ground_handoff(handoff: Handoff, transcript: Transcript, *, fuzzy_threshold: float) -> Handoff:
    """Return `handoff` without the values its evidence does not support, drops recorded.

    Quotes said in another turn than the one cited are re-anchored and recorded.
    Existing drops and re-anchorings (from a backend that already checked some
    values) are kept.
    """
    walker = _Walker(transcript, fuzzy_threshold)
    grounded = walker.walk(handoff.model_copy(update={"grounding": GroundingReport()}), "")
    report = GroundingReport(
        checked=walker.checked,
        dropped=[*handoff.grounding.dropped, *walker.dropped],
        reanchored=[*handoff.grounding.reanchored, *walker.reanchored],
        fuzzy_threshold=fuzzy_threshold,
    )
    assert isinstance(grounded, Handoff)
    return grounded.model_copy(update={"grounding": report})

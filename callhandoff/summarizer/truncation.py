"""Cut a transcript that does not fit the context budget, deterministically.

What is kept, in this order of priority, while the budget lasts: the opening turns
(who is calling and why), the closing turns (what was agreed), then every turn
that carries an identifier, an amount, an email or a phone number (the facts that
must be exact), then the remaining turns nearest the two ends. Kept turns keep
their original numbers, so the model's citations still point at the full call,
and the cut is described in words on the handoff (`meta.truncation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OPENING_TURNS = 3
CLOSING_TURNS = 3
MIN_TURN_TOKENS = 16
BYTES_PER_TURN_LINE = 24  # "[123] customer: " and the newline, with room to spare

# A run of 3+ digits (ids, phones, amounts), a currency amount, or an email.
_FACT = re.compile(
    r"\d[\d\-\s]{1,}\d|[$€£₹]\s?\d|\d+(?:[.,]\d{2})\s?(?:usd|eur|gbp|inr|dollars?|euros?|pounds?|rupees?)"
    r"|[\w.+-]+@[\w-]+\.[\w.]+",
    re.IGNORECASE,
)

TokenCounter = Callable[[str], int]
TextCutter = Callable[[str, int], str]


@dataclass(frozen=True)
class Cut:
    """The turns kept (by original index), their possibly shortened texts, and what was cut."""

    kept: dict[int, str]
    total_turns: int
    note: str | None

    @property
    def omitted(self) -> list[int]:
        """Indexes of the turns that were left out, ascending."""
        return [i for i in range(self.total_turns) if i not in self.kept]


def has_fact(text: str) -> bool:
    """True when a turn mentions an id, an amount, a phone number or an email."""
    return _FACT.search(text) is not None


def _ranges(indexes: Sequence[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9'."""
    parts: list[str] = []
    start = prev = None
    for index in indexes:
        if start is None:
            start = prev = index
        elif prev is not None and index == prev + 1:
            prev = index
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = index
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


def _priority_order(texts: Sequence[str]) -> list[int]:
    """Turn indexes from most to least worth keeping (see the module docstring)."""
    n = len(texts)
    opening = list(range(min(OPENING_TURNS, n)))
    closing = [i for i in range(max(n - CLOSING_TURNS, 0), n) if i not in opening]
    ends = set(opening) | set(closing)
    facts = [i for i in range(n) if i not in ends and has_fact(texts[i])]
    taken = ends | set(facts)
    rest = sorted((i for i in range(n) if i not in taken), key=lambda i: (min(i, n - 1 - i), i))
    return opening + closing + facts + rest


def fit_turns(texts: Sequence[str], budget: int, count: TokenCounter, cut_text: TextCutter) -> Cut:
    """Choose the turns to send so that their token count stays within `budget`.

    `count(text)` gives a turn line's tokens; `cut_text(text, n)` shortens a text to
    about `n` tokens. Used when even the opening and closing turns do not fit.
    """
    # A token is at least one byte, so a call whose bytes fit needs no counting at all.
    if sum(len(text.encode("utf-8")) + BYTES_PER_TURN_LINE for text in texts) <= budget:
        return Cut(kept=dict(enumerate(texts)), total_turns=len(texts), note=None)
    costs = [count(text) for text in texts]
    if sum(costs) <= budget:
        return Cut(kept=dict(enumerate(texts)), total_turns=len(texts), note=None)
    order = _priority_order(texts)
    n_ends = min(len(texts), OPENING_TURNS + CLOSING_TURNS)
    must = order[:n_ends]
    kept: dict[int, str] = {}
    used = 0
    shortened: list[int] = []
    if sum(costs[i] for i in must) > budget:
        share = max(budget // max(len(must), 1), MIN_TURN_TOKENS)
        for i in must:
            text = texts[i] if costs[i] <= share else cut_text(texts[i], share)
            if text != texts[i]:
                shortened.append(i)
            kept[i] = text
            used += min(costs[i], share)
    else:
        for i in must:
            kept[i] = texts[i]
            used += costs[i]
    n_facts = 0
    for i in order[n_ends:]:
        if used + costs[i] <= budget:
            kept[i] = texts[i]
            used += costs[i]
            n_facts += has_fact(texts[i])
    kept = dict(sorted(kept.items()))
    omitted = [i for i in range(len(texts)) if i not in kept]
    note = (
        f"kept {len(kept)} of {len(texts)} turns to fit {budget} tokens "
        f"(opening and closing turns first, then {n_facts} with ids or amounts)"
    )
    if omitted:
        note += f"; left out turns {_ranges(omitted)}"
    if shortened:
        note += f"; shortened turns {_ranges(sorted(shortened))}"
    return Cut(kept=kept, total_turns=len(texts), note=note)

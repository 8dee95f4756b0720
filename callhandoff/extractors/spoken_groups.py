"""Turn one group of spoken tokens ("four oh three", "twenty three", "S as in Sierra M I")
into its written form. Used by `spoken.normalize`; pure functions over small lists.
"""

from __future__ import annotations

import itertools
import re
from typing import Final, NamedTuple

from callhandoff.extractors.vocab import (
    NATO,
    ORDINALS,
    REPEATS,
    SCALES,
    TEENS,
    TENS,
    UNITS,
    ordinal_suffix,
)

_NUMERIC: Final = frozenset({"unit", "teen", "tens", "digits", "repeat", "ordinal", "point"})
_SPELLED_RE: Final = re.compile(r"([A-Za-z])\s+(as\s+in|for|like)\s+([A-Za-z]+)", re.IGNORECASE)
_CAPITAL_RE: Final = re.compile(r"capital\s+([A-Za-z])", re.IGNORECASE)
_ORDINAL_BEFORE_RE: Final = re.compile(
    r"(?:\b(?:by|before|on|until|till|from|after|for|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)[ \t]+the"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)[ \t]+$",
    re.IGNORECASE,
)
_ORDINAL_AFTER_RE: Final = re.compile(r"[ \t]+of\b", re.IGNORECASE)


class Token(NamedTuple):
    """One spoken token with its original offsets."""

    text: str
    start: int
    end: int
    kind: str  # unit teen tens scale repeat ordinal point a digits letter nato bad
    value: int = 0
    char: str = ""
    explicit: bool = False  # "C as in Charlie", "capital C"


def classify(text: str, start: int, end: int) -> Token:
    """What kind of spoken token `text` is."""
    low = text.lower()
    if low.isdigit():
        return Token(text, start, end, "digits")
    spelled = _SPELLED_RE.fullmatch(text)
    if spelled:
        letter, how, word = spelled.groups()
        if how.lower() != "as in" and word[0].lower() != letter.lower():
            return Token(text, start, end, "bad")
        return Token(text, start, end, "letter", char=letter.upper(), explicit=True)
    capital = _CAPITAL_RE.fullmatch(text)
    if capital:
        return Token(text, start, end, "letter", char=capital.group(1).upper(), explicit=True)
    table_kinds = (
        (UNITS, "unit"),
        (TEENS, "teen"),
        (TENS, "tens"),
        (SCALES, "scale"),
        (REPEATS, "repeat"),
        (ORDINALS, "ordinal"),
    )
    for table, kind in table_kinds:
        if low in table:
            return Token(text, start, end, kind, value=table[low])
    if low == "point":
        return Token(text, start, end, "point")
    if text == "a":
        return Token(text, start, end, "a", value=1, char="A")
    if low in NATO:
        return Token(text, start, end, "nato", char=NATO[low])
    if len(text) == 1 and text.isalpha():
        return Token(text, start, end, "letter", char=text.upper())
    return Token(text, start, end, "bad")


def is_single_char(token: Token) -> bool:
    """A one-character digit or letter ("4", "S"), joined across tight dashes and dots."""
    return len(token.text) == 1 and token.kind in {"digits", "letter", "unit", "a"}


def _is_oh(token: Token) -> bool:
    return token.kind == "unit" and token.text.lower() in {"oh", "o"}


def _concat(tokens: list[Token]) -> str | None:
    """Digit-by-digit reading: 'four oh three' → 403, 'twenty three' → 23, 'double 7' → 77."""
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < n else None
        if tok.kind == "repeat":
            if nxt is None or not (
                nxt.kind == "unit" or (nxt.kind == "digits" and len(nxt.text) == 1)
            ):
                return None
            out.append((nxt.text if nxt.kind == "digits" else str(nxt.value)) * tok.value)
            i += 2
            continue
        if tok.kind == "tens" and nxt is not None and 0 < nxt.value < 10 and not _is_oh(nxt):
            if nxt.kind == "unit":
                out.append(str(tok.value + nxt.value))
                i += 2
                continue
            if nxt.kind == "ordinal" and i + 2 == n:
                value = tok.value + nxt.value
                out.append(f"{value}{ordinal_suffix(value)}")
                break
        if tok.kind in {"unit", "teen", "tens"}:
            out.append(str(tok.value))
        elif tok.kind == "digits":
            out.append(tok.text)
        elif tok.kind == "ordinal" and i == n - 1:
            out.append(f"{tok.value}{ordinal_suffix(tok.value)}")
        elif tok.kind == "point" and out and nxt is not None and nxt.kind in _NUMERIC - {"point"}:
            out.append(".")
        else:
            return None
        i += 1
    return "".join(out) or None


def _cardinal(tokens: list[Token]) -> str | None:
    """Place-value reading: 'two thousand four hundred ninety nine' → 2499."""
    total = 0
    current = 0
    prev = ""
    for tok in tokens:
        kind = tok.kind
        if kind in {"unit", "teen", "tens", "digits"}:
            value = int(tok.text) if kind == "digits" else tok.value
            fits_after_tens = prev == "tens" and kind == "unit" and 0 < value < 10
            if prev not in {"", "scale"} and not fits_after_tens:
                return None
            current += value
        elif kind == "a" and prev == "":
            current = 1
        elif kind == "scale" and tok.value == 100:
            current = (current or 1) * 100
        elif kind == "scale":
            total += (current or 1) * tok.value
            current = 0
        else:
            return None
        prev = "scale" if kind == "scale" else kind
    return str(total + current)


def _ordinal_in_context(token: Token, text: str) -> bool:
    """A lone ordinal ('fifteenth') is a day only after 'the'/a month or before 'of'."""
    before = text[max(0, token.start - 16) : token.start]
    return bool(_ORDINAL_BEFORE_RE.search(before) or _ORDINAL_AFTER_RE.match(text, token.end))


def _letters(group: list[Token]) -> str | None:
    """Spelled reading: 'S as in Sierra M I T H' → SMITH, 'A B 1 2 3' → AB123."""
    explicit = sum(1 for t in group if t.explicit)
    explicit += sum(
        1
        for t, nxt in itertools.pairwise(group)
        if t.kind == "repeat" and nxt.kind in {"letter", "nato"}
    )
    nato = sum(1 for t in group if t.kind == "nato")
    plain = [t for t in group if t.kind in {"letter", "a"} and not t.explicit]
    numeric = [t for t in group if t.kind in _NUMERIC]
    ok = (
        explicit >= 1
        or nato >= 2
        or (nato >= 1 and len(group) >= 2)
        or (len(plain) >= 2 and (len(group) >= 3 or all(t.text.isupper() for t in plain)))
        or (len(plain) == 1 and plain[0].text.isupper() and len(numeric) >= 3)
    )
    if not ok:
        return None
    out: list[str] = []
    numbers: list[Token] = []
    # "O S G O O D": when the only "numbers" are O's, every O is the letter
    spelled_only = all(t.text.lower() == "o" for t in numeric)
    i = 0
    while i < len(group):
        tok = group[i]
        nxt = group[i + 1] if i + 1 < len(group) else None
        if tok.kind == "repeat" and nxt is not None and nxt.kind in {"letter", "nato"}:
            out.append(nxt.char * tok.value)
            i += 2
            continue
        is_o = tok.kind == "unit" and tok.text.lower() == "o"
        letter_o = is_o and (
            spelled_only or (not numbers and (nxt is None or nxt.kind not in _NUMERIC))
        )
        if tok.kind in {"letter", "nato", "a"} or letter_o:
            if numbers:
                digits = _concat(numbers)
                if digits is None:
                    return None
                out.append(digits)
                numbers = []
            out.append(tok.char or "O")
        elif tok.kind in _NUMERIC:
            numbers.append(tok)
        else:
            return None
        i += 1
    if numbers:
        digits = _concat(numbers)
        if digits is None:
            return None
        out.append(digits)
    return "".join(out)


def group_text(group: list[Token], text: str) -> str | None:
    """The written form of one group of tokens, or None when it should be left as said."""
    kinds = {t.kind for t in group}
    if "bad" in kinds:
        return None
    if kinds == {"digits"}:
        if len(group) >= 3 and all(len(t.text) == 1 for t in group):
            return "".join(t.text for t in group)
        return None
    if kinds & {"letter", "nato"}:
        return _letters(group)
    units = [t for t in group if t.kind == "unit"]
    only_ohs = bool(units) and all(_is_oh(t) for t in units)
    if only_ohs and not kinds & {"teen", "tens", "digits", "scale", "ordinal"}:
        return None  # "oh" alone is an interjection, not a zero
    if "scale" in kinds:
        return None if kinds == {"scale"} else _cardinal(group)
    if "a" in kinds:
        return None
    if len(group) == 1 and group[0].kind == "ordinal" and not _ordinal_in_context(group[0], text):
        return None
    if len(group) == 1 and group[0].kind in {"repeat", "point"}:
        return None
    return _concat(group)

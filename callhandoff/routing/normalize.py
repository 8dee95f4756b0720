"""Canonical forms of identifiers, so the caller's words and the store's records compare equal.

Used on both sides of every lookup: the directory loader stores these keys in
indexed columns and the matcher computes the same keys from the handoff.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import phonenumbers

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_NON_DIGIT = re.compile(r"\D+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Fewer digits than this never match an order on digits alone (too many collisions).
MIN_DIGIT_KEY = 5


def id_key(value: str) -> str:
    """Order, booking, customer and SKU ids compared case- and punctuation-blind.

    `#ORD-2024-0042`, `ord 2024 0042` and `ORD20240042` all become `ORD20240042`.
    """
    return _NON_ALNUM.sub("", value).upper()


def digit_key(value: str) -> str | None:
    """The digits of an id, when there are enough of them to identify an order alone."""
    digits = _NON_DIGIT.sub("", value)
    return digits if len(digits) >= MIN_DIGIT_KEY else None


def email_key(value: str) -> str | None:
    """A lower-cased email address, or None when `value` is not one."""
    cleaned = value.strip().lower()
    return cleaned if _EMAIL.match(cleaned) else None


def phone_e164(value: str, regions: Sequence[str] = ("US",)) -> str | None:
    """`value` in E.164 (`+14155550123`), trying each region for numbers without a `+`.

    Returns None when no region makes it a possible number.
    """
    text = value.strip()
    if not text:
        return None
    attempts: Sequence[str | None] = [None] if text.startswith("+") else list(regions)
    for region in attempts:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def fold(value: str) -> str:
    """Lower-case, accent-free words, single-spaced: `Chloé  O'Dea` → `chloe odea`."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("\u2019", "")
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def name_key(value: str) -> str:
    """A person's name with its words folded and sorted, so word order does not matter."""
    return " ".join(sorted(fold(value).split()))

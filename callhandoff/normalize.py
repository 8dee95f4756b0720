"""Canonical forms of identifiers, e-mails, phones and names: the one place for these rules.

Every stage compares values through these functions: the extractors, the
grounding check, the LLM cross-check, the directory loader and matcher, and the
eval scorers. Two copies of a rule drift apart (a phone that matches in routing
but fails the cross-check), so there are none.

- ids: letters and digits, upper-cased (`#ORD-2024-0042` == `ord 2024 0042`);
- e-mails: trimmed, lower-cased, `mailto:` dropped, and shaped like an address;
- phones: E.164 for a number that is *valid* (not merely possible) in the region it
  is read in. A number written in one region's national format ("(977) 625-2661"
  is the US layout) is read in that region only: when it is not valid there it is
  not reinterpreted abroad (as +91 977 625 2661). Bare digit strings try each
  configured region in order;
- names: accent-free, case-folded words, sorted for order-blind comparison;
- search: what the review queue's text search compares (`search_keys`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

import phonenumbers

from callhandoff.exceptions import ConfigError

__all__ = [
    "MIN_DIGIT_KEY",
    "checked_regions",
    "clean_email",
    "digit_key",
    "email_key",
    "fold",
    "id_key",
    "name_key",
    "parse_phone",
    "phone_e164",
    "phone_national_digits",
    "search_keys",
]

_NON_ALNUM: Final = re.compile(r"[^0-9A-Za-z]+")
_NON_DIGIT: Final = re.compile(r"\D+")
_DIGIT_RUNS: Final = re.compile(r"\d+")
_NOT_WORD: Final = re.compile(r"[^0-9a-z]+")
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Fewer digits than this never identify an order on digits alone (too many collisions).
MIN_DIGIT_KEY: Final = 5


# --- ids -------------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number passes (`digits`: digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def id_key(value: str) -> str:
    """Order, booking, customer and SKU ids compared case- and punctuation-blind.

    `#ORD-2024-0042`, `ord 2024 0042` and `ORD20240042` all become `ORD20240042`.
    """
    return _NON_ALNUM.sub("", value).upper()


def digit_key(value: str) -> str | None:
    """The digits of an id, when there are enough of them to identify an order alone."""
    digits = _NON_DIGIT.sub("", value)
    return digits if len(digits) >= MIN_DIGIT_KEY else None


# --- e-mails ---------------------------------------------------------------------------


def clean_email(value: str) -> str:
    """Trimmed, lower-cased, without a `mailto:` prefix (whether or not it is an address)."""
    return value.strip().lower().removeprefix("mailto:")


def email_key(value: str) -> str | None:
    """The cleaned address, or None when `value` is not shaped like one."""
    cleaned = clean_email(value)
    return cleaned if _EMAIL.match(cleaned) else None


# --- phones ----------------------------------------------------------------------------


def checked_regions(regions: Sequence[str]) -> list[str]:
    """Upper-cased ISO regions; an unknown one is a configuration mistake, not a silent miss."""
    upper = [r.strip().upper() for r in regions]
    unknown = [r for r in upper if r not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ConfigError(
            f"phone_regions: unknown region(s) {', '.join(map(repr, unknown))}; use ISO 3166 "
            "codes such as 'US', 'IN', 'GB' (CALLHANDOFF_PHONE_REGIONS)"
        )
    return upper


def _groups(text: str) -> list[int]:
    return [len(run) for run in _DIGIT_RUNS.findall(text)]


def _written_in(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    """True when `raw` is grouped the way `number`'s region writes its national numbers."""
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    raw_digits = _NON_DIGIT.sub("", raw)
    national_digits = _NON_DIGIT.sub("", national)
    if national_digits != raw_digits and national_digits.endswith(raw_digits):
        # The region writes a trunk prefix ("0") the caller left out: drop it before comparing.
        national = national[national.index(raw_digits[0]) :] if raw_digits else national
    return _groups(national) == _groups(raw)


def parse_phone(raw: str, regions: Sequence[str]) -> phonenumbers.PhoneNumber | None:
    """The valid number `raw` stands for, or None.

    With a `+` it is read as international. Otherwise the first region whose
    national layout `raw` is written in decides alone; bare digits try each region
    in order and take the first where they form a valid number.
    """
    text = raw.strip()
    if not text:
        return None
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None
        return number if phonenumbers.is_valid_number(number) else None
    grouped = len(_groups(text)) > 1
    first_valid: phonenumbers.PhoneNumber | None = None
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        valid = phonenumbers.is_valid_number(number)
        if grouped and phonenumbers.is_possible_number(number) and _written_in(text, number):
            return number if valid else None
        if valid and first_valid is None:
            first_valid = number
    return first_valid


def phone_e164(value: str, regions: Sequence[str] = ("US",)) -> str | None:
    """`value` in E.164 (`+14155550123`) under the rules of `parse_phone`, else None."""
    number = parse_phone(value, regions)
    if number is None:
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_national_digits(e164: str) -> str | None:
    """The national number's digits of an E.164 phone (`+14155550123` → `4155550123`)."""
    try:
        return str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        return None


# --- names -----------------------------------------------------------------------------


def fold(value: str) -> str:
    """Lower-case, accent-free words, single-spaced: `Chloé  O'Dea` → `chloe odea`."""
    if value.isascii():  # nothing to decompose (the usual case)
        plain = value
    else:
        decomposed = unicodedata.normalize("NFKD", value)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("\u2019", "")
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


def name_key(value: str) -> str:
    """A person's name with its words folded and sorted, so word order does not matter."""
    return " ".join(sorted(fold(value).split()))


# --- search ----------------------------------------------------------------------------


def search_keys(value: str) -> list[str]:
    """The forms a value is found by in a text search: its folded words and, when it has
    letters and digits, its id key (so `hh 100234` finds `HH-100234`). Lower-case."""
    keys = [fold(value)]
    digits = any(ch.isdigit() for ch in value)
    if digits:
        keys.append(id_key(value).lower())
    return [key for key in dict.fromkeys(keys) if key]

"""Word tables for spoken numbers and spelled letters, shared by the extractors.

Constants only (read-only mappings); nothing here changes at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import MappingProxyType
from typing import Final

UNITS: Final = MappingProxyType(
    {
        "zero": 0,
        "oh": 0,
        "o": 0,
        "nought": 0,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
    }
)

TEENS: Final = MappingProxyType(
    {
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
    }
)

TENS: Final = MappingProxyType(
    {
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fourty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
    }
)

SCALES: Final = MappingProxyType(
    {
        "hundred": 100,
        "thousand": 1_000,
        "lakh": 100_000,
        "lakhs": 100_000,
        "million": 1_000_000,
        "crore": 10_000_000,
    }
)

REPEATS: Final = MappingProxyType({"double": 2, "triple": 3})

ORDINALS: Final = MappingProxyType(
    {
        "first": 1,
        "second": 2,
        "third": 3,
        "fourth": 4,
        "fifth": 5,
        "sixth": 6,
        "seventh": 7,
        "eighth": 8,
        "ninth": 9,
        "tenth": 10,
        "eleventh": 11,
        "twelfth": 12,
        "thirteenth": 13,
        "fourteenth": 14,
        "fifteenth": 15,
        "sixteenth": 16,
        "seventeenth": 17,
        "eighteenth": 18,
        "nineteenth": 19,
        "twentieth": 20,
        "thirtieth": 30,
    }
)

NATO: Final = MappingProxyType(
    {
        "alpha": "A",
        "alfa": "A",
        "bravo": "B",
        "charlie": "C",
        "delta": "D",
        "echo": "E",
        "foxtrot": "F",
        "golf": "G",
        "hotel": "H",
        "india": "I",
        "juliet": "J",
        "juliett": "J",
        "kilo": "K",
        "lima": "L",
        "mike": "M",
        "november": "N",
        "oscar": "O",
        "papa": "P",
        "quebec": "Q",
        "romeo": "R",
        "sierra": "S",
        "tango": "T",
        "uniform": "U",
        "victor": "V",
        "whiskey": "W",
        "whisky": "W",
        "x-ray": "X",
        "xray": "X",
        "yankee": "Y",
        "zulu": "Z",
    }
)

NUMBER_WORDS: Final = frozenset(
    [*UNITS, *TEENS, *TENS, *SCALES, *REPEATS, *ORDINALS, "point", "a", "and"]
)


def ordinal_suffix(value: int) -> str:
    """'st', 'nd', 'rd' or 'th' for a day number, so 23 reads back as '23rd'."""
    if 10 <= value % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of the given words, longest first so prefixes never win."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))

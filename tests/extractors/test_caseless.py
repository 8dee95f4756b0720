"""Case-insensitive whole-turn checks: same answers as the pattern, whatever the text."""

from __future__ import annotations

import re

import pytest

from callhandoff.extractors.caseless import Caseless

PATTERN = re.compile(r"\b(?:call|ring) me\b|\bsk\w*", re.IGNORECASE)
TEXTS = [
    "Please CALL ME back",
    "please call meat",
    "Ring me tomorrow",
    "the SKU is wrong",
    "nothing to see here",
    "\u212aeep it",  # Kelvin sign: case-folds to k, so it is not lower-cased away
    "\u017fkip",  # long s: case-folds to s
    "İstanbul, call me",  # lower-cases to two characters
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_found_agrees_with_the_case_insensitive_pattern(text: str) -> None:
    expected = PATTERN.search(text) is not None
    assert Caseless(PATTERN).found(text) == expected
    assert Caseless(PATTERN, hints=("call me", "ring me", "sk")).found(text) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        re.compile(r"call me"),  # case-sensitive
        re.compile(r"Call me", re.IGNORECASE),  # upper-case letter
        re.compile(r"\S+ me", re.IGNORECASE),  # upper-case class escape
        re.compile(r"(?-i:Call) me", re.IGNORECASE),
    ],
)
def test_patterns_it_cannot_speed_up_are_refused(pattern: re.Pattern[str]) -> None:
    with pytest.raises(ValueError):
        Caseless(pattern)


@pytest.mark.parametrize("hints", [("",), ("Call me",)])
def test_hints_must_be_lower_case_text(hints: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        Caseless(PATTERN, hints=hints)

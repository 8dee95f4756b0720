"""Case-insensitive whole-turn checks: same answers as the pattern, whatever the text."""

from __future__ import annotations

import random
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


def _gates() -> dict[str, Caseless]:
    from callhandoff.extractors import changes, follow_up
    from callhandoff.extractors.classifier import features

    return {
        f"{module.__name__}.{name}": gate
        for module in (changes, follow_up, features)
        for name, gate in vars(module).items()
        if isinstance(gate, Caseless)
    }


@pytest.mark.parametrize("name", sorted(_gates()))
def test_every_whole_turn_check_answers_like_its_pattern(name: str) -> None:
    """Random text made of the pattern's own words, in any case: a hint that misses a
    way the pattern can match shows up as a disagreement."""
    gate = _gates()[name]
    source = re.sub(r"\\[bwsdBWSD]", " ", gate.pattern.pattern)
    words = sorted({w.strip() for w in re.findall(r"[a-z][a-z' -]*", source) if w.strip()})
    pieces = [*words, " ", ", ", ". ", "\n", "5 pm", "İ", "\u017f", "\u212a"]
    rng = random.Random(name)
    matched = 0
    for _ in range(3000):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        text = text.upper() if rng.random() < 0.2 else text
        expected = gate.pattern.search(text) is not None
        matched += expected
        assert gate.found(text) == expected, text
    assert matched, "the random texts never matched: the test says nothing"

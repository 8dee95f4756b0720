"""Spoken forms become written ones, and every rewritten span maps back to what was said."""

from __future__ import annotations

import pytest

from callhandoff.extractors.spoken import normalize


@pytest.mark.parametrize(
    ("said", "written"),
    [
        (
            "four oh three, one two three four five six seven, eight nine oh one two three four",
            "403 1234567 8901234",
        ),
        ("double seven triple five", "77555"),
        ("it is twenty three", "it is 23"),
        ("two thousand four hundred ninety nine rupees", "2499 rupees"),
        ("forty-nine dollars", "49 dollars"),
        ("forty nine point nine nine", "49.99"),
        ("zero zero seven", "007"),
        ("double-oh six three", "0063"),
        ("four o three", "403"),
        ("a hundred bucks", "100 bucks"),
    ],
)
def test_number_words_become_digits(said: str, written: str) -> None:
    assert normalize(said).text == written


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("it's 4-0-3-1-2", "it's 40312"),
        ("the code is 4 0 3 1", "the code is 4031"),
        ("four oh three dash one two three", "403-123"),
    ],
)
def test_split_digits_are_joined(said: str, written: str) -> None:
    assert normalize(said).text == written


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("C as in Charlie", "C"),
        ("that's alpha bravo charlie", "that's ABC"),
        ("Smith, S M I T H", "Smith, SMITH"),
        ("Osgood, O S G O O D", "Osgood, OSGOOD"),
        ("spelled S-M-Y-T-H", "spelled SMYTH"),
        ("code A as in apple one two three four five", "code A12345"),
        ("B for Bombay, double L", "B LL"),
    ],
)
def test_spelling_becomes_letters(said: str, written: str) -> None:
    assert normalize(said).text == written


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("john dot smith at gmail dot com", "john.smith@gmail.com"),
        ("my email is jane doe at yahoo dot co dot in", "my email is janedoe@yahoo.co.in"),
        ("priya underscore k at the rate gmail dot com", "priya_k@gmail.com"),
        ("mail me at r two d two at outlook dot com", "mail me at r2d2@outlook.com"),
    ],
)
def test_spoken_emails_become_addresses(said: str, written: str) -> None:
    assert normalize(said).text == written


@pytest.mark.parametrize(
    "text",
    [
        "oh no, that's not what I ordered",
        "I looked at amazon.com yesterday",
        "my order 403-1234567-8901234 is late",
        "I want the second one",
        "Amazon India sent the wrong colour",
        "the price is Rs. 1,299.50",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert normalize(text).text == text


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("It was in aisle B C, order four oh three", "It was in aisle B C, order 403"),
        (
            "The item was in the box, it is a, um, a B one.",
            "The item was in the box, it is a, um, a B one.",
        ),
    ],
)
def test_was_in_is_not_a_spelling_cue(said: str, written: str) -> None:
    assert normalize(said).text == written


def test_five_o_clock_is_not_a_zero() -> None:
    assert normalize("come at five o'clock").text == "come at 5 o'clock"


def test_ordinal_words_become_dates_only_in_date_context() -> None:
    assert normalize("by the fifteenth of March").text == "by the 15th of March"
    assert normalize("before the twenty third").text == "before the 23rd"
    assert normalize("it's my first order").text == "it's my first order"


def test_every_rewritten_piece_maps_back_to_the_words_said() -> None:
    said = "my order is four oh three, one two three and my mail is bo at gmail dot com"
    spoken = normalize(said)
    for piece in spoken.pieces:
        start, end = spoken.to_original(piece.out_start, piece.out_end)
        assert said[start:end] == said[piece.src_start : piece.src_end]
    start = spoken.text.index("403")
    src_start, quote = spoken.quote(start, start + 3)
    assert quote == "four oh three"
    assert said[src_start : src_start + len(quote)] == quote


def test_spans_after_a_rewrite_map_to_the_right_original_characters() -> None:
    said = "its abc@gmail.com and nine eight seven six five four three two one zero."
    spoken = normalize(said)
    start = spoken.text.index("abc@gmail.com")
    assert spoken.quote(start, start + len("abc@gmail.com"))[1] == "abc@gmail.com"
    end_word = spoken.text.index("9876543210")
    assert spoken.quote(end_word, end_word + 10)[1] == (
        "nine eight seven six five four three two one zero"
    )


def test_untouched_text_has_no_pieces() -> None:
    spoken = normalize("Thanks, that's all.")
    assert not spoken.changed
    assert spoken.to_original(0, 6) == (0, 6)

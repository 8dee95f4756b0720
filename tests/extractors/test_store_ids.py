"""Letter-prefixed store references: how they are written, and which agent questions ask
for an order or a booking reference."""

from __future__ import annotations

import pytest

from callhandoff.extractors.store_ids import (
    PREFIXED_RE,
    asks_booking,
    asks_order,
    prefixed_value,
    usable_prefix,
)
from callhandoff.extractors.view import CallView, TurnView

from .helpers import call


def _agent(text: str) -> TurnView:
    return CallView.of(call(f"A: {text}")).turns[0]


@pytest.mark.parametrize(
    ("text", "letters", "digits"),
    [
        ("BW-300122", "BW", "300122"),
        ("GP-2024-0193", "GP", "2024-0193"),
        ("B W 300122", "B W", "300122"),
        ("G P, 2024 0193", "G P", "2024 0193"),
        ("FIT40112", "FIT", "40112"),
        ("GW-BK-0912", "GW-BK", "0912"),
    ],
)
def test_prefixed_shapes_are_found_in_the_written_view(
    text: str, letters: str, digits: str
) -> None:
    m = PREFIXED_RE.fullmatch(text)
    assert m is not None
    assert (m["letters"], m["digits"]) == (letters, digits)


@pytest.mark.parametrize(
    ("letters", "digits", "written", "value"),
    [
        ("B W", "300122", None, "BW-300122"),  # spelled and spoken: dash after the letters
        ("G P", "2024 0193", None, "GP-2024-0193"),  # a year-like group keeps its dash
        ("B W", "300 122", None, "BW-300122"),  # a pause is not part of the id
        ("A", "12345", None, "A12345"),  # one letter: no dash
        ("BW", "300122", "BW300122", "BW300122"),  # written: kept as written
        ("BW", "300122", "bw-300122", "BW-300122"),
    ],
)
def test_prefixed_value_writes_the_store_form(
    letters: str, digits: str, written: str | None, value: str
) -> None:
    assert prefixed_value(letters, digits, written) == value


def test_currencies_and_labels_are_not_store_prefixes() -> None:
    assert usable_prefix("BW")
    assert not usable_prefix("INR")
    assert not usable_prefix("ID")
    assert not usable_prefix("AWB")


@pytest.mark.parametrize(
    "text",
    [
        "Sure. What's the order number?",
        "Could I have the order reference, please?",
        "Which order is this about?",
        "Right. Order number?",
        "Let me pull up the order. Number?",
        "Can I get your order or your name?",
        "Can I take your name and the order number so I can file the report properly?",
        "May I have the subscription number?",
    ],
)
def test_questions_for_the_order(text: str) -> None:
    assert asks_order(_agent(text))


@pytest.mark.parametrize(
    "text",
    [
        "What's the best number to reach you?",
        "Could you confirm your phone number or order ID?",
        "Could you confirm the delivery address for order 403-1234567-8901234?",
        "Do you have the installation reference or order number?",
        "Could you give me the order ID or the transaction ID for the payment?",
        "What would you like to do with the order?",
        "Your order number is BW-300122.",
    ],
)
def test_questions_about_something_else_do_not_ask_for_the_order(text: str) -> None:
    assert not asks_order(_agent(text))


def test_questions_for_a_booking_reference() -> None:
    assert asks_booking(_agent("Do you have the appointment reference?"))
    assert asks_booking(_agent("Can I have your name or booking reference?"))
    assert not asks_booking(_agent("What's the order number?"))
    assert not asks_booking(_agent("Your booking reference is CON-0417."))

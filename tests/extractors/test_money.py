"""Amounts with a currency, written and spoken; bare numbers are not money."""

from __future__ import annotations

import pytest

from callhandoff.extractors import find_amounts

from .helpers import call, grounded


@pytest.mark.parametrize(
    ("line", "amount", "currency", "quote"),
    [
        ("C: it cost $49.99 last week", 49.99, "USD", "$49.99"),
        ("C: I was charged Rs. 2,499/- twice", 2499.0, "INR", "Rs. 2,499"),
        ("C: refund my ₹1,299 now", 1299.0, "INR", "₹1,299"),
        ("C: it was EUR 20 only", 20.0, "EUR", "EUR 20"),
        ("C: i paid 2499 rupees for this", 2499.0, "INR", "2499 rupees"),
        ("C: i paid 5000rs for this!", 5000.0, "INR", "5000rs"),
        ("C: a 1.5 lakh rupees TV", 150000.0, "INR", "1.5 lakh rupees"),
        ("C: it was 49 dollars and 99 cents", 49.99, "USD", "49 dollars and 99 cents"),
        ("C: that's £15 for shipping", 15.0, "GBP", "£15"),
    ],
)
def test_written_amounts(line: str, amount: float, currency: str, quote: str) -> None:
    t = call(line)
    [found] = find_amounts(t)
    assert (found.value.amount, found.value.currency) == (amount, currency)
    assert found.evidence.quote == quote
    assert grounded(t, found)


def test_spoken_amount_is_quoted_as_said() -> None:
    t = call("C: they charged me forty nine dollars for nothing")
    [found] = find_amounts(t)
    assert (found.value.amount, found.value.currency) == (49.0, "USD")
    assert found.evidence.quote == "forty nine dollars"
    assert found.confidence < 0.9


def test_a_written_amount_never_absorbs_a_spoken_number_after_it() -> None:
    [found] = find_amounts(call("C: I paid Rs 500 two days ago"))
    assert found.value.amount == 500.0


def test_spoken_thousands() -> None:
    t = call("C: i paid two thousand four hundred ninety nine rupees")
    [found] = find_amounts(t)
    assert found.value.amount == 2499.0


@pytest.mark.parametrize(
    "line",
    [
        "C: make it 500, then maybe",
        "C: it took 24 hrs",
        "C: my order 403-1234567-8901234 is late",
        "C: 20% off was promised",
        "C: it weighs 5 pounds of flour",
    ],
)
def test_numbers_without_a_currency_are_not_money(line: str) -> None:
    assert find_amounts(call(line)) == []


def test_amounts_keep_call_order_and_a_repeat_keeps_the_customers_words() -> None:
    t = call(
        "A: I can offer a credit of ₹200.",
        "C: Rs 200? no. I paid 799 rupees, refund 200 rs at least",
    )
    found = find_amounts(t)
    assert [(a.value.amount, a.evidence.turn) for a in found] == [(200.0, 1), (799.0, 1)]

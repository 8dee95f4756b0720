"""Booking references: introduced as one, answering the agent's question, read out while
a booking is made, or naming themselves; and references of other kinds that are not."""

from __future__ import annotations

import pytest

from callhandoff.extractors import find_booking_ids, find_order_ids
from callhandoff.schema import Extracted

from .helpers import call, grounded


def _values(items: list[Extracted[str]]) -> list[str]:
    return [i.value for i in items]


def test_spelled_reference_answering_the_agents_question() -> None:
    t = call(
        "A: Do you have the installation reference?",
        "C: I think it's F I T, four oh one one two.",
    )
    [found] = find_booking_ids(t)
    assert found.value == "FIT-40112"
    assert found.evidence.turn == 1
    assert grounded(t, found)
    assert find_order_ids(t) == []  # a booking reference is not an order id


def test_reference_read_out_while_booking() -> None:
    t = call(
        "C: Thursday at seven works.",
        "A: You're booked for Thursday, reference C O N zero four one seven.",
    )
    [found] = find_booking_ids(t)
    assert found.value == "CON-0417"
    assert found.confidence < 0.9  # only the agent said it
    assert grounded(t, found)


def test_written_repeat_gives_the_stores_form() -> None:
    t = call(
        "A: I'll book the pickup for Saturday. Reference P K five five two oh.",
        "C: PK-5520, got it.",
    )
    [found] = find_booking_ids(t)
    assert found.value == "PK-5520"
    assert found.evidence.turn == 1  # the customer's mention is the evidence


def test_a_code_that_names_itself_a_booking() -> None:
    t = call("C: I can't make Wednesday's fitting.", "A: I see it, GW-BK-0912?")
    assert _values(find_booking_ids(t)) == ["GW-BK-0912"]


def test_booking_cue_with_spelled_letters() -> None:
    t = call("C: Booking G W H B four four zero one, I need to move it.")
    assert _values(find_booking_ids(t)) == ["GWHB-4401"]


@pytest.mark.parametrize(
    "lines",
    [
        ("A: The refund reference is RF-88213.",),
        ("A: I'll email you a case reference within the hour.",),
        ("A: Your ticket reference is TK-55012.",),
        ("C: The model on the box says BK-456.",),
        ("A: What's the order number?", "C: F I T four oh one one two."),
    ],
)
def test_references_of_other_kinds_are_not_bookings(lines: tuple[str, ...]) -> None:
    assert find_booking_ids(call(*lines)) == []

"""Order ids, SKUs and booking references: written and spoken, cued and bare, and what is
not an id (phone numbers, amounts, dates, tracking numbers)."""

from __future__ import annotations

import pytest

from callhandoff.extractors import find_booking_ids, find_order_ids, find_skus
from callhandoff.schema import Extracted

from .helpers import call, grounded


def _values(items: list[Extracted[str]]) -> list[str]:
    return [i.value for i in items]


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("C: My order number is 403-1234567-8901234, it never came.", "403-1234567-8901234"),
        ("C: Order ID: 654-321987-5432109. Package was empty!", "654-321987-5432109"),
        ("C: order #a12345 is missing a part", "A12345"),
        ("C: my order is ORD-2024-0042 from last week", "ORD-2024-0042"),
        ("C: order no. od98765432109876 is stuck", "OD98765432109876"),
        ("C: regarding order #7894561230, wrong size", "7894561230"),
        ("C: my order ID is supposedly 407-8108338-5540347", "407-8108338-5540347"),
        ("C: Order # 302-1234567-8901234 - refund please", "302-1234567-8901234"),
    ],
)
def test_written_order_ids_are_normalised_as_the_store_writes_them(line: str, value: str) -> None:
    t = call(line)
    [found] = find_order_ids(t)
    assert found.value == value
    assert found.confidence == 0.95
    assert found.source == "rule:order_id"
    assert grounded(t, found)


def test_spoken_order_id_with_pauses_is_reassembled_and_quoted_as_said() -> None:
    t = call(
        "C: my order number is four oh three, one two three four five six seven, "
        "eight nine oh one two three four"
    )
    [found] = find_order_ids(t)
    assert found.value == "403-1234567-8901234"
    assert found.evidence.quote.endswith("eight nine oh one two three four")
    assert grounded(t, found)
    assert found.confidence < 0.95  # reassembled from speech: a little less sure


def test_spoken_order_id_without_pauses_is_grouped_three_seven_seven() -> None:
    t = call(
        "C: the order number is four zero three one two three four five six seven "
        "eight nine zero one two three four"
    )
    assert _values(find_order_ids(t)) == ["403-1234567-8901234"]


@pytest.mark.parametrize(
    "line",
    [
        "C: order number: four-oh-three, one-two-three-four-five-six-seven, "
        "eight-nine-oh-one-two-three-four",
        "C: my order number is 4 0 3 dash 1 2 3 4 5 6 7 dash 8 9 0 1 2 3 4",
        "C: my order number is 403 1234567 8901234",
    ],
)
def test_hyphenated_split_and_spaced_forms_of_the_same_id(line: str) -> None:
    assert _values(find_order_ids(call(line))) == ["403-1234567-8901234"]


def test_double_and_triple_in_a_spoken_id() -> None:
    t = call("C: order number double seven triple five one two three")
    assert _values(find_order_ids(t)) == ["77555123"]


@pytest.mark.parametrize(
    "line",
    [
        "C: order A as in alpha one two three four five please",
        "C: it's order A one two three four five",
    ],
)
def test_letter_prefix_in_a_spoken_id(line: str) -> None:
    assert _values(find_order_ids(call(line))) == ["A12345"]


def test_bare_amazon_shape_is_taken_with_lower_confidence() -> None:
    t = call("C: 628-4739510-7294631 never arrived, what now?")
    [found] = find_order_ids(t)
    assert found.value == "628-4739510-7294631"
    assert found.confidence == pytest.approx(0.7)


def test_self_describing_prefix_needs_no_cue() -> None:
    t = call("C: It's about ORD-2024-0042 from last week")
    [found] = find_order_ids(t)
    assert found.value == "ORD-2024-0042"
    assert 0.7 < found.confidence < 0.95


def test_agent_read_back_alone_counts_less_than_the_customer_saying_it() -> None:
    t = call("C: my parcel never came", "A: I see order 403-1234567-8901234 is in transit.")
    [found] = find_order_ids(t)
    assert found.confidence == pytest.approx(0.8)
    assert found.evidence.turn == 1


def test_customer_statement_is_the_evidence_and_the_read_back_confirms_it() -> None:
    t = call(
        "C: order 403-1234567-8901234 is late",
        "A: Thanks, checking order number 403-1234567-8901234 now.",
    )
    [found] = find_order_ids(t)
    assert found.evidence.turn == 0
    assert found.confidence > 0.95


def test_answer_to_the_agents_question_is_an_order_id() -> None:
    t = call("A: Could you please provide your order ID?", "C: its 7894561230")
    [found] = find_order_ids(t)
    assert found.value == "7894561230"
    assert found.confidence == pytest.approx(0.9)


def test_most_relevant_first() -> None:
    t = call(
        "C: 111-2223334-5556667 was fine but my order number is 403-1234567-8901234",
    )
    assert _values(find_order_ids(t)) == ["403-1234567-8901234", "111-2223334-5556667"]


@pytest.mark.parametrize(
    "line",
    [
        "C: my phone number is 9876543210, call me",
        "C: call me on 403 123 4567 about the order",
        "C: the order of Rs 12000 was charged twice",
        "C: I placed the order on 2024-03-15",
        "C: my order 2 weeks ago still not here",
        "C: tracking number 4031234567 shows nothing",
        "C: I paid 2499 rupees for this order",
        "C: the order arrived at 10:30 today",
        "C: Transaction ID is ABCD12345 for the failed order",
    ],
)
def test_phones_amounts_dates_and_other_numbers_are_not_order_ids(line: str) -> None:
    assert find_order_ids(call(line)) == []


def test_a_question_about_something_else_does_not_make_a_number_an_order_id() -> None:
    t = call("A: Could you confirm your phone number or order ID?", "C: its 9876543210")
    assert find_order_ids(t) == []


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("C: the SKU-4471 towel came in grey", "SKU-4471"),
        ("C: item code is hh-towel-gry", "HH-TOWEL-GRY"),
        ("C: product code: LF-ROBOT-STL", "LF-ROBOT-STL"),
        ("C: model number HR2051/00", "HR2051/00"),
    ],
)
def test_explicit_codes_are_skus(line: str, value: str) -> None:
    t = call(line)
    [found] = find_skus(t)
    assert found.value == value
    assert grounded(t, found)


def test_model_number_given_in_answer_is_a_sku() -> None:
    t = call(
        "A: Could you please specify the brand and model of the blender?",
        "C: its a Philips one i think. umm HR2051/00 something like that.",
    )
    [found] = find_skus(t)
    assert found.value == "HR2051/00"
    assert found.confidence < 0.9


def test_product_names_are_not_skus() -> None:
    t = call(
        "A: Could you confirm the model number of the phone?",
        "C: its a Galaxy M34 5G, blue",
    )
    assert find_skus(t) == []


def test_booking_references() -> None:
    t = call(
        "C: my booking reference is BK-88213 for Saturday",
        "A: I also see appointment number 45521 for the installer.",
    )
    assert _values(find_booking_ids(t)) == ["BK-88213", "45521"]


def test_booking_words_without_a_code_are_not_bookings() -> None:
    t = call("C: I never got a confirmation email for my booking on the 12th")
    assert find_booking_ids(t) == []


# --- letter-prefixed store order ids -------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "value"),
    [
        (
            ("A: Could I have the order reference?", "C: Sure, B W three zero zero one two two."),
            "BW-300122",
        ),
        (
            ("A: What's the order number?", "C: G P, twenty twenty-four, oh one nine three."),
            "GP-2024-0193",
        ),
        (("A: Which order is this about?", "C: BW-300145, the oak shelf."), "BW-300145"),
        (("A: Right. Order number?", "C: Um, it's B W three zero zero, one six six."), "BW-300166"),
        (
            ("A: Let me pull up the order. Number?", "C: B W three zero zero one eight one."),
            "BW-300181",
        ),
        (("C: Order's B W three zero zero one five nine, if that helps.",), "BW-300159"),
        (("C: The order number is GP-2024-0217 and it's late.",), "GP-2024-0217"),
        (("C: My subscription number is S B X four four one zero.",), "SBX-4410"),
    ],
)
def test_store_order_ids_spelled_or_written(lines: tuple[str, ...], value: str) -> None:
    t = call(*lines)
    [found] = find_order_ids(t)
    assert found.value == value
    assert found.evidence.turn == len(lines) - 1
    assert grounded(t, found)


def test_the_written_repeat_of_a_spelled_id_gives_the_stores_form() -> None:
    t = call(
        "A: What's the order number?",
        "C: B W three zero zero one two two.",
        "A: BW300122, the oak shelf?",
    )
    [found] = find_order_ids(t)
    assert found.value == "BW300122"
    assert found.evidence.turn == 1  # the customer's words stay the evidence
    assert found.confidence > 0.85  # said by the customer and confirmed by the agent


def test_the_agents_read_back_counts_while_the_order_question_is_open() -> None:
    t = call(
        "A: What's the order number?",
        "C: It's B W, three, uh, hang on, three zero zero...",
        "A: BW300177?",
        "C: Yes.",
    )
    [found] = find_order_ids(t)
    assert found.value == "BW300177"
    assert found.confidence == pytest.approx(0.8)


def test_store_ids_in_a_sentence_about_orders() -> None:
    t = call("A: I see two orders from last week, BW-300201 and BW-300202.")
    assert _values(find_order_ids(t)) == ["BW-300201", "BW-300202"]


@pytest.mark.parametrize(
    "lines",
    [
        ("A: What's the order number?", "C: I only have the model, K X twelve hundred."),
        ("A: Can I get the order number?", "C: Call me back on four one five, five five five."),
        ("A: What's the order number?", "C: It's going to Portland, OR 97205."),
        ("A: What's the order number?", "C: No idea, but my zip is 02139."),
        ("C: My installation reference is FIT-40112, the order came already.",),
        ("C: I paid INR 25000 for this order.",),
        ("C: order number 171-XXXXXXX-XXXXXXX, it's on the invoice",),
        ("A: Could you give me the order ID or the transaction ID?", "C: Trans id is ABCD12345."),
        ("C: The item number is P L T dash four four zero, for my order.",),
        (
            "A: Could you confirm the delivery address for the order?",
            "C: 12 Hill Road, Pune 411001.",
        ),
    ],
)
def test_codes_that_are_not_store_order_ids(lines: tuple[str, ...]) -> None:
    assert find_order_ids(call(*lines)) == []

"""Phones (E.164), e-mails (validated, lower-case) and the caller's own name."""

from __future__ import annotations

import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.extractors import find_emails, find_names, find_phones

from .helpers import call, grounded

REGIONS = ["US", "IN", "GB"]


# --- phones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "e164"),
    [
        ("C: you can reach me at (415) 555-0123 after five", "+14155550123"),
        ("C: my number is 9876543210", "+919876543210"),
        ("C: call me on +44 20 7946 0958 please", "+442079460958"),
        ("C: my mobile is 98765 43210", "+919876543210"),
    ],
)
def test_written_phones_become_e164(line: str, e164: str) -> None:
    t = call(line)
    [found] = find_phones(t, REGIONS)
    assert found.value == e164
    assert found.confidence == 0.95
    assert grounded(t, found)


def test_spoken_phone_is_reassembled_and_quoted_as_said() -> None:
    t = call("C: my number is nine eight seven six five, four three two one zero.")
    [found] = find_phones(t, REGIONS)
    assert found.value == "+919876543210"
    assert found.evidence.quote == "nine eight seven six five, four three two one zero"
    assert found.confidence < 0.95


def test_double_digits_in_a_spoken_phone() -> None:
    t = call("C: phone is nine eight double seven six six five five four four")
    assert [p.value for p in find_phones(t, REGIONS)] == ["+919877665544"]


def test_regions_are_tried_in_order() -> None:
    t = call("C: my number is 07911 123456")
    assert [p.value for p in find_phones(t, ["GB"])] == ["+447911123456"]
    assert find_phones(t, ["US"]) == []


def test_answer_to_the_agents_request_is_a_phone() -> None:
    t = call("A: Could you confirm your contact number?", "C: its 9988776655. hurry up")
    [found] = find_phones(t, REGIONS)
    assert found.value == "+919988776655"
    assert found.confidence == pytest.approx(0.9)


def test_agent_read_back_alone_counts_less() -> None:
    t = call("C: yes", "A: I have your number as 9876543210.")
    [found] = find_phones(t, REGIONS)
    assert found.confidence == pytest.approx(0.8)


@pytest.mark.parametrize(
    "line",
    [
        "C: my order number is 403-1234567-8901234",
        "C: order 7894561230 is late",
        "C: Account Number: 1234567890 IFSC: SBIN0000123",
        "C: the tracking id 9876543210 shows nothing",
        "C: card 4242 4242 4242 4242 was charged",
        "C: it was 1234567890 something, I don't know",
    ],
)
def test_ids_and_account_numbers_are_not_phones(line: str) -> None:
    assert find_phones(call(line), REGIONS) == []


def test_unknown_region_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="phone_regions: unknown region"):
        find_phones(call("C: my number is 9876543210"), ["US", "XX"])


# --- e-mails ------------------------------------------------------------------------


def test_written_email_is_validated_and_lower_cased() -> None:
    t = call("C: send it to John.Smith@Gmail.com please")
    [found] = find_emails(t)
    assert found.value == "john.smith@gmail.com"
    assert found.evidence.quote == "John.Smith@Gmail.com"


def test_spoken_email_is_reassembled() -> None:
    t = call("C: my email is john dot smith at gmail dot com, thanks")
    [found] = find_emails(t)
    assert found.value == "john.smith@gmail.com"
    assert found.evidence.quote == "john dot smith at gmail dot com"
    assert grounded(t, found)


def test_spoken_at_the_rate_email() -> None:
    t = call("C: it is priya underscore k at the rate yahoo dot co dot in")
    assert [e.value for e in find_emails(t)] == ["priya_k@yahoo.co.in"]


def test_invalid_addresses_are_dropped() -> None:
    assert find_emails(call("C: mail me at bob@localhost or x@y")) == []


# --- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "confidence"),
    [
        ("C: hi, my name is priya sharma and my order is late", "Priya Sharma", 0.95),
        ("C: Name is Rohan Verma. I need help", "Rohan Verma", 0.9),
        ("C: This is John Carter calling about a refund", "John Carter", 0.9),
        ("C: Hello, Rahul here. Where is my parcel?", "Rahul", 0.75),
        ("C: yeah hi it's Tom here", "Tom", 0.75),
        ("C: Hi this is Sarah from apartment 4B", "Sarah", 0.8),
        ("C: it's Dana speaking, the blender broke", "Dana", 0.9),
        ("C: name's Siobhan O'Brien", "Siobhan O'Brien", 0.9),
        ("C: I'm Priya, the one who called yesterday", "Priya", 0.6),
    ],
)
def test_caller_introductions(line: str, name: str, confidence: float) -> None:
    t = call(line)
    [found] = find_names(t)
    assert found.value == name
    assert found.confidence == pytest.approx(confidence)
    assert grounded(t, found)


@pytest.mark.parametrize(
    "line",
    [
        "C: I'm so angry right now",
        "C: I'm Frustrated and Tired of this",
        "C: I am Extremely disappointed",
        "C: its perfectly sunny here, stop making excuses",
        "C: Make sure it gets here before Saturday",
        "C: This is unacceptable!",
        "C: the seller name is KitchenEssentials",
    ],
)
def test_feelings_and_other_words_are_not_names(line: str) -> None:
    assert find_names(call(line)) == []


def test_agents_name_is_never_the_caller() -> None:
    t = call("A: Hello, my name is Anjali, how can I help?", "C: my parcel is late")
    assert find_names(t) == []


def test_answer_to_the_agents_name_question() -> None:
    t = call("A: May I have your full name, please?", "C: priya sharma.")
    [found] = find_names(t)
    assert found.value == "Priya Sharma"


def test_answer_to_who_am_i_speaking_with() -> None:
    t = call("B: Thanks for calling. Who am I speaking with?", "C: Maria Lopez.")
    assert [n.value for n in find_names(t)] == ["Maria Lopez"]


def test_a_name_asked_about_someone_else_is_not_the_caller() -> None:
    t = call("A: Could you confirm the name of the recipient?", "C: Meera Sharma.")
    assert find_names(t) == []


def test_spelled_surname_replaces_the_heard_spelling() -> None:
    t = call("C: my name is Anna Covax, that's K O V A C S")
    [found] = find_names(t)
    assert found.value == "Anna Kovacs"
    assert grounded(t, found)
    assert found.evidence.quote.endswith("K O V A C S")


def test_nato_spelled_surname_is_added_to_a_first_name() -> None:
    t = call("C: my name is John, surname is spelled sierra mike india tango hotel")
    assert [n.value for n in find_names(t)] == ["John Smith"]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("C: my name is rahul sharma thx", ["Rahul Sharma"]),  # a word without vowels ends it
        ("C: Account name: PQR LMN, for the refund", []),  # a placeholder is not a name
        ("C: The name's Zoé Marchetti, M A R K E T T I.", ["Zoé Marketti"]),
        ("C: Its under my name- Arun Pillai. Please hurry.", ["Arun Pillai"]),
    ],
)
def test_name_cues_with_accents_placeholders_and_trailing_words(
    line: str, names: list[str]
) -> None:
    t = call(line)
    found = find_names(t)
    assert [n.value for n in found] == names
    assert all(grounded(t, n) for n in found)

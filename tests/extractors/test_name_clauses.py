"""Caller names said without "my name is": on their own where callers name themselves,
or read out by the agent and confirmed; never the agent's name, a place, a business, a
product or a capitalised sentence start."""

from __future__ import annotations

import pytest

from callhandoff.extractors import find_names
from callhandoff.extractors.name_clauses import agent_names
from callhandoff.extractors.view import CallView

from .helpers import call, grounded


def _names(*lines: str) -> list[str]:
    return [n.value for n in find_names(call(*lines))]


@pytest.mark.parametrize(
    ("lines", "name"),
    [
        # greeting the agent by name, then their own
        (
            (
                "A: Birchwood Home, Dana speaking.",
                "C: Hi Dana, Tobias Renner. I need to move a delivery.",
            ),
            "Tobias Renner",
        ),
        (("A: Birchwood Home.", "C: Morning, Imani Okafor here. Quick question."), "Imani Okafor"),
        (
            ("A: Birchwood, Joel on the line.", "C: Joel, hi. Priti Shah. The shelf came broken."),
            "Priti Shah",
        ),
        # after the order id, in the answer to the agent's question
        (("A: What's the order number?", "C: BW-300122. Helen Osgood."), "Helen Osgood"),
        (
            (
                "A: Can I get the order number?",
                "C: B W three zero zero one two two. It's under Imani Okafor.",
            ),
            "Imani Okafor",
        ),
        (
            (
                "A: What's the email on the account?",
                "C: h dot osgood at example dot org. Helen Osgood.",
            ),
            "Helen Osgood",
        ),
        # a name with an accent, an apostrophe or a hyphen
        (("C: Bonjour, Rafael Brandão. J'ai une question.",), "Rafael Brandão"),
        (("A: Which order is it?", "C: BW-300145. Siobhan O'Leary-Hart."), "Siobhan O'Leary-Hart"),
        # "this is ... again"
        (("C: Hi, this is Priti again, the shelf still hasn't come.",), "Priti"),
    ],
)
def test_names_said_on_their_own(lines: tuple[str, ...], name: str) -> None:
    t = call(*lines)
    [found] = find_names(t)
    assert found.value == name
    assert grounded(t, found)


def test_a_spelled_surname_after_a_name_said_on_its_own() -> None:
    t = call("A: What's the order number?", "C: BW-300122. Helen Osgoode, O S G O O D.")
    [found] = find_names(t)
    assert found.value == "Helen Osgood"
    assert grounded(t, found)
    assert found.evidence.quote.endswith("O S G O O D")


def test_first_name_then_full_name_is_one_name() -> None:
    t = call("C: Hey, it's Rafael calling about a return. Rafael Brandão.")
    [found] = find_names(t)
    assert found.value == "Rafael Brandão"
    assert found.confidence == pytest.approx(0.9)  # the "calling" cue's confidence


def test_first_name_then_full_name_in_answer_to_the_name_question() -> None:
    assert _names("A: And who am I speaking with?", "C: Oh, Helen. Helen Osgood.") == [
        "Helen Osgood"
    ]


def test_name_the_agent_reads_out_and_the_caller_confirms() -> None:
    t = call("A: BW300122, for Imani Okafor?", "C: Yes, that's me.")
    [found] = find_names(t)
    assert found.value == "Imani Okafor"
    assert found.evidence.turn == 0
    assert found.confidence == pytest.approx(0.8)


def test_a_name_the_agent_reads_out_without_confirmation_is_not_taken() -> None:
    assert _names("A: I have it here under Helen Osgood.", "C: The shelf is cracked.") == []
    assert _names("A: Got it, BW300122, Helen Osgood.", "C: Okay.") == []


def test_the_agents_own_name_from_its_introduction_and_the_callers_greeting() -> None:
    view = CallView.of(
        call("A: Birchwood Home, you're through to Marcus.", "C: Hi Marcus!", "A: Hello!")
    )
    assert agent_names(view) == {"marcus"}
    assert _names("A: Birchwood Home, Dana on the line.", "C: Hi Dana. Thanks Dana.") == []
    assert _names("A: Hello, you're through to Marcus.", "C: Cheers Marcus, bye.") == []


@pytest.mark.parametrize(
    "lines",
    [
        ("C: I was at the Elm Street showroom. Birchwood Home, right?",),
        ("C: This is Oakley Labs, isn't it?",),
        ("C: Hello? Is this Riverside Dental?",),
        ("A: What's the delivery address?", "C: Forty Alder Road, Maple Grove."),
        ("A: What colour did you pick?", "C: Sea Glass."),
        ("A: Which city?", "C: Kansas City."),
        ("C: Yeah. Honestly, no idea. Why Tuesday?!",),
        ("C: Good Morning. Thank You.",),
        ("C: The order is late.", "A: Which book was it?", "C: Pride and Prejudice. Jane Austen."),
        ("A: What's the recipient's name?", "C: Mira Osgood."),
        ("C: Account name: ABC XYZ, please refund there.",),
    ],
)
def test_places_businesses_products_and_sentence_starts_are_not_names(
    lines: tuple[str, ...],
) -> None:
    assert _names(*lines) == []

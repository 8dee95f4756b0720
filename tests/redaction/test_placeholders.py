"""Contact placeholders: what a model would see of a call, and how its answer maps back."""

from __future__ import annotations

from pydantic import BaseModel

from callhandoff.redaction.placeholders import HiddenContacts, hide_contacts
from callhandoff.schema.transcript import Transcript, Turn

TURNS = [
    ("agent", "Thanks for calling, this is Priya. Can I have your name and email?"),
    (
        "customer",
        "Hi, my name is Maria Lopez, L O P E Z. Email is maria.lopez@example.com and my "
        "number is 415-555-0199.",
    ),
    (
        "agent",
        "Thanks Maria. So that's maria dot lopez at example dot com, and four one five, "
        "five five five, zero one nine nine?",
    ),
    ("customer", "Yes. You can also call 415 555 0101. Order A-100101 please, Maria."),
]
RAW = (
    "Maria",
    "Lopez",
    "L O P E Z",
    "maria.lopez",
    "maria dot lopez",
    "415-555-0199",
    "415 555 0101",
    "four one five",
    "zero one nine nine",
)


def _call(turns: list[tuple[str, str]] = TURNS, caller_phone: str | None = None) -> Transcript:
    return Transcript(
        call_id="c-1",
        destination="cloudcart",
        caller_phone=caller_phone,
        turns=[Turn(speaker=speaker, text=text) for speaker, text in turns],
    )


def test_every_mention_of_an_email_phone_or_name_becomes_its_placeholder() -> None:
    hidden = hide_contacts(_call(), ["US"])
    sent = [turn.text for turn in hidden.transcript.turns]
    for text in sent:
        for raw in RAW:
            assert raw.lower() not in text.lower(), (raw, text)
    assert sent[0] == TURNS[0][1]  # the agent's own name is not the caller's
    assert sent[1] == "Hi, my name is [name 1]. Email is [email 1] and my number is [phone 1]."
    assert sent[2] == "Thanks [name 1]. So that's [email 1], and [phone 1]?"
    assert sent[3] == "Yes. You can also call [phone 2]. Order A-100101 please, [name 1]."
    assert hidden.values == {
        "[name 1]": "Maria Lopez",
        "[email 1]": "maria.lopez@example.com",
        "[phone 1]": "+14155550199",
        "[phone 2]": "+14155550101",
    }


def test_the_caller_id_number_is_hidden_wherever_it_is_said() -> None:
    turns = [("customer", "Order A-100101. Ring me back on 650 253 0000 if you can.")]
    hidden = hide_contacts(_call(turns, caller_phone="+16502530000"), ["US"])
    sent = hidden.transcript.turns[0].text
    assert sent == "Order A-100101. Ring me back on [phone 1] if you can."


def test_quotes_map_back_to_the_exact_words_of_their_turn() -> None:
    hidden = hide_contacts(_call(), ["US"])
    assert hidden.restore_text("my name is [name 1]", 1) == "my name is Maria Lopez, L O P E Z"
    assert hidden.restore_text("that's [email 1], and", 2) == (
        "that's maria dot lopez at example dot com, and"
    )
    assert hidden.restore_text("[email", 1) == "maria.lopez@example.com"  # cut in half
    for index, turn in enumerate(hidden.transcript.turns):
        assert hidden.restore_text(turn.text, index) == TURNS[index][1]


def test_values_and_free_text_map_back_to_the_values() -> None:
    hidden = hide_contacts(_call(), ["US"])
    assert hidden.restore_text("[Name 1] wants [email 1] on file; call [phone  2]") == (
        "Maria Lopez wants maria.lopez@example.com on file; call +14155550101"
    )
    assert hidden.restore_text("[name 7] is unknown") == "[name 7] is unknown"


class _Said(BaseModel):
    value: str
    turn: int
    quote: str


class _Answer(BaseModel):
    email: _Said
    names: list[_Said]
    summary: str


def test_an_answer_is_restored_field_by_field() -> None:
    hidden = hide_contacts(_call(), ["US"])
    answer = _Answer(
        email=_Said(value="[email 1]", turn=2, quote="So that's [email 1]"),
        names=[_Said(value="[name 1]", turn=3, quote="please, [name 1].")],
        summary="[name 1] asks about order A-100101.",
    )
    restored = hidden.restore(answer)
    assert restored.email == _Said(
        value="maria.lopez@example.com",
        turn=2,
        quote="So that's maria dot lopez at example dot com",
    )
    assert restored.names == [_Said(value="Maria Lopez", turn=3, quote="please, Maria.")]
    assert restored.summary == "Maria Lopez asks about order A-100101."


def test_a_call_without_contact_details_is_sent_as_it_is() -> None:
    call = _call([("customer", "Where is order A-100101?"), ("agent", "It ships today.")])
    hidden = hide_contacts(call, ["US"])
    assert hidden.transcript is call
    answer = _Answer(email=_Said(value="x", turn=0, quote="x"), names=[], summary="s")
    assert hidden.restore(answer) is answer
    assert HiddenContacts.as_is(call).restore_text("[email 1]", 0) == "[email 1]"

"""Numbered turns and deterministic truncation."""

from __future__ import annotations

from callhandoff.summarizer.messages import build_messages, numbered_turns, turn_line
from callhandoff.summarizer.prompts import load_prompt
from callhandoff.summarizer.tokens import get_encoding
from callhandoff.summarizer.truncation import fit_turns, has_fact

from .helpers import transcript


def words(text: str) -> int:
    return len(text.split())


def test_turns_are_numbered_one_per_line() -> None:
    assert turn_line(3, "customer", "two\nlines  here") == "[3] customer: two lines here"
    built = build_messages(transcript(), load_prompt("handoff-v1"), get_encoding(), 8000)
    assert [m["role"] for m in built.messages] == ["system", "user"]
    user = built.messages[1]["content"]
    assert "[0] customer: Hi, my order 502-2345678-9012345" in user
    assert "[3] agent: I will arrange the refund" in user
    assert built.truncation is None


def test_facts_are_recognised() -> None:
    assert has_fact("order 502-2345678")
    assert has_fact("it was $49")
    assert has_fact("mail me at a.b@shop.io")
    assert not has_fact("thanks, that is all")


def test_cut_keeps_opening_closing_and_fact_turns_in_order() -> None:
    texts = [f"chat {i} " * 5 for i in range(30)]
    texts[14] = "my order is 778-123456"
    texts[20] = "it cost 129.99 dollars"
    cut = fit_turns(texts, budget=70, count=words, cut_text=lambda t, n: t)
    kept = list(cut.kept)
    assert kept[:3] == [0, 1, 2] and kept[-3:] == [27, 28, 29]
    assert 14 in kept and 20 in kept
    assert sum(words(cut.kept[i]) for i in kept) <= 70
    assert cut.note is not None and "of 30 turns" in cut.note and "left out turns 3-13" in cut.note
    again = fit_turns(texts, budget=70, count=words, cut_text=lambda t, n: t)
    assert again == cut  # deterministic


def test_very_long_turns_are_shortened_when_the_ends_do_not_fit() -> None:
    texts = ["word " * 500 for _ in range(8)]
    cut = fit_turns(texts, budget=120, count=words, cut_text=lambda t, n: "word " * n)
    assert cut.note is not None and "shortened turns" in cut.note
    assert all(words(text) <= 20 for text in cut.kept.values())


def test_numbered_turns_mark_the_gaps() -> None:
    call = transcript(
        "long", [("customer", f"sentence {i} " * 30) for i in range(12)] + [("agent", "bye")]
    )
    lines, note = numbered_turns(call, get_encoding(), budget=400)
    assert note is not None
    assert "left out]" in lines
    assert lines.splitlines()[0].startswith("[0] customer:")
    assert lines.splitlines()[-1] == "[12] agent: bye"

"""The customer's deadline, resolved against the call start (Friday 2025-03-14)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from callhandoff.extractors import find_deadline
from callhandoff.extractors.dates import resolve_when

from .helpers import FRIDAY, call, grounded


@pytest.mark.parametrize(
    ("line", "text", "when"),
    [
        ("C: I need it by tomorrow or it's useless!", "by tomorrow", date(2025, 3, 15)),
        ("C: i need it by tmrw pls", "by tmrw", date(2025, 3, 15)),
        ("C: it has to arrive by Friday", "by Friday", date(2025, 3, 21)),
        ("C: please deliver it before the 12th", "before the 12th", date(2025, 4, 12)),
        ("C: I need it on the 15th", "on the 15th", date(2025, 3, 15)),
        ("C: my exams start next Monday", "exams start next Monday", date(2025, 3, 17)),
        ("C: I want my refund within 3 days", "within 3 days", date(2025, 3, 17)),
        ("C: I need it by end of the week", "by end of the week", date(2025, 3, 16)),
        ("C: I need it by March 20th", "by March 20th", date(2025, 3, 20)),
        ("C: need it delivered by 10 March", "by 10 March", date(2026, 3, 10)),
        ("C: i need it TODAY", "need it TODAY", date(2025, 3, 14)),
        ("C: make sure it reaches today", "make sure it reaches today", date(2025, 3, 14)),
        ("C: i need it by this weekend", "by this weekend", date(2025, 3, 15)),
    ],
)
def test_written_deadlines_resolve_to_the_next_matching_date(
    line: str, text: str, when: date
) -> None:
    t = call("A: How can I help?", line)
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.text == text
    assert found.value.date == when
    assert grounded(t, found)


def test_spoken_numbers_in_a_deadline() -> None:
    t = call("C: I need the refund within three days")
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.date == date(2025, 3, 17)
    assert found.value.text == "within three days"


def test_spoken_ordinal_deadline() -> None:
    t = call("C: I need it by the twentieth")
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.date == date(2025, 3, 20)
    assert found.value.text == "by the twentieth"


def test_vague_deadline_keeps_the_words_without_a_date() -> None:
    t = call("C: His birthday is next week, I need it before then")
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.date is None
    assert "next week" in found.value.text


def test_a_stated_need_beats_an_event_mention() -> None:
    t = call("C: her birthday is on Sunday", "A: I see.", "C: I need it by Saturday morning")
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.text == "by Saturday morning"
    assert found.evidence.turn == 2


@pytest.mark.parametrize(
    "turns",
    [
        ("C: where is my refund?", "A: We'll refund you within 5-7 business days."),
        ("A: It will be delivered by Monday.", "C: ok thanks"),
        ("C: it was supposed to come yesterday",),
        ("C: I returned it on the 15th and still nothing",),
        ("C: the delivery date was Tuesday",),
        ("C: call me back by tomorrow evening",),
        ("C: if I don't get an update by tomorrow I will complain",),
        ("C: it should have been delivered within 2-3 business days",),
        ("C: I need it asap!!",),
    ],
)
def test_agent_slas_past_dates_and_callbacks_are_not_deadlines(turns: tuple[str, ...]) -> None:
    assert find_deadline(call(*turns), FRIDAY) is None


def test_it_says_delivered_but_i_need_it_by_tomorrow() -> None:
    t = call("C: it says delivered but I need it by tomorrow")
    found = find_deadline(t, FRIDAY)
    assert found is not None
    assert found.value.date == date(2025, 3, 15)


@pytest.mark.parametrize(
    ("said", "resolved"),
    [
        ("Friday the twenty-first at one p.m.", "2025-03-21T13:00:00+00:00"),
        ("Thursday the twentieth at ten a.m", "2025-03-20T10:00:00+00:00"),
        ("the 26th at 2:30 pm", "2025-03-26T14:30:00+00:00"),
        ("Wed 26th 14:00", "2025-03-26T14:00:00+00:00"),
        ("tomorrow at noon", "2025-03-15T12:00:00+00:00"),
        ("the thirty-first", "2025-03-31"),
        ("sometime next week", None),
        ("whenever suits you", None),
    ],
)
def test_a_new_date_or_time_said_in_words_is_read_as_iso(said: str, resolved: str | None) -> None:
    said_on = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)  # a Friday
    assert resolve_when(said, said_on) == resolved

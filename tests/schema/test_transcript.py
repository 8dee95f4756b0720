"""The transcript contract: what a call's dates resolve against, and its content hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from callhandoff.schema import Transcript
from callhandoff.schema.enums import Destination, Speaker
from callhandoff.schema.transcript import SourceRef, Turn

BERLIN_WINTER = timezone(timedelta(hours=1))


def _transcript(started_at: datetime | None, source: SourceRef | None = None) -> Transcript:
    return Transcript(
        call_id="c-1",
        destination=Destination.CULTS,
        started_at=started_at,
        turns=[Turn(speaker=Speaker.CUSTOMER, text="My order has not arrived.")],
        source=source,
    )


def test_dates_resolve_against_the_call_start_else_the_clock_given_else_now() -> None:
    start = datetime(2025, 3, 14, 9, 30, tzinfo=BERLIN_WINTER)
    clock = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert _transcript(start).reference_time(clock) == start
    assert _transcript(None).reference_time(clock) == clock
    before = datetime.now(UTC)
    now = _transcript(None).reference_time()
    assert now.tzinfo is not None and before <= now <= datetime.now(UTC)


def test_where_a_call_was_read_from_is_not_part_of_its_content() -> None:
    start = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    read_twice = [
        _transcript(start, SourceRef(path="a.jsonl", line=3, format="native")),
        _transcript(start, SourceRef(path="b/a.jsonl", line=9, format="native")),
    ]
    assert read_twice[0].content_hash() == read_twice[1].content_hash()
    assert _transcript(start).content_hash() != _transcript(None).content_hash()

"""Field changes the caller asks for: field, old value, new value, quoted."""

from __future__ import annotations

from datetime import UTC, datetime

from callhandoff.extractors.changes import find_field_changes
from callhandoff.schema import Transcript


def _call(*customer_lines: str) -> Transcript:
    turns = [{"speaker": "agent", "text": "How can I help?"}]
    turns += [{"speaker": "customer", "text": line} for line in customer_lines]
    return Transcript.model_validate({"call_id": "c", "destination": "cults", "turns": turns})


def test_from_to_gives_old_and_new_value() -> None:
    [change] = find_field_changes(
        _call("Could you move my consultation from Tuesday at 3 to Thursday at 10, please?")
    )
    assert change.field == "booking_time"
    assert change.old_value == "Tuesday at 3"
    assert change.new_value == "Thursday at 10"
    assert change.evidence.turn == 1


def test_a_booking_moved_in_words_carries_the_new_time_read_as_iso() -> None:
    call = _call("Can you move my installation to Friday the twenty-first at one p.m.?")
    call = call.model_copy(update={"started_at": datetime(2025, 3, 14, 9, 0, tzinfo=UTC)})
    [change] = find_field_changes(call)
    assert change.field == "booking_time"
    assert change.new_value_resolved == "2025-03-21T13:00:00+00:00"


def test_address_change_without_old_value() -> None:
    [change] = find_field_changes(
        _call("Um, I need to change the delivery address to 12 Oak Street, apartment 4.")
    )
    assert change.field == "address"
    assert change.new_value.startswith("12 Oak Street")
    assert change.old_value is None


def test_last_change_of_a_field_wins() -> None:
    changes = find_field_changes(
        _call(
            "Switch the size to medium.", "Actually no, change the size to large instead of medium."
        )
    )
    assert [(c.field, c.new_value, c.old_value) for c in changes] == [("size", "large", "medium")]


def test_opt_out_is_a_consent_change() -> None:
    [change] = find_field_changes(_call("And please unsubscribe me from the newsletter."))
    assert (change.field, change.old_value, change.new_value) == (
        "marketing_consent",
        "subscribed",
        "unsubscribed",
    )


def test_agent_lines_and_plain_requests_are_not_changes() -> None:
    transcript = Transcript.model_validate(
        {
            "call_id": "c",
            "destination": "cloudcart",
            "turns": [
                {"speaker": "agent", "text": "I will change the address to the new one."},
                {"speaker": "customer", "text": "My parcel never arrived."},
            ],
        }
    )
    assert find_field_changes(transcript) == []

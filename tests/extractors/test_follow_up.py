"""Follow-up details: the agent's promise and owner, channel, the caller's preferred time."""

from __future__ import annotations

from callhandoff.extractors.follow_up import find_follow_up
from callhandoff.schema import ContactChannel, Transcript


def test_promise_owner_channel_and_preferred_time() -> None:
    transcript = Transcript.model_validate(
        {
            "call_id": "c",
            "destination": "cloudcart",
            "turns": [
                {
                    "speaker": "customer",
                    "text": "Please call me back after 5 pm Eastern, I'm at work.",
                },
                {"speaker": "agent", "text": "Sure. I'll escalate this to my supervisor today."},
                {"speaker": "agent", "text": "We will call you back tomorrow with an answer."},
            ],
        }
    )
    follow_up = find_follow_up(transcript)
    assert follow_up.preferred_time is not None
    assert follow_up.preferred_time.value == "after 5 pm"
    assert follow_up.timezone is not None and follow_up.timezone.value == "Eastern"
    assert follow_up.promise is not None
    assert follow_up.promise.value == "We will call you back tomorrow with an answer."
    assert follow_up.owner is not None and follow_up.owner.value == "supervisor"
    assert follow_up.contact_channel is not None
    assert follow_up.contact_channel.value is ContactChannel.PHONE


def test_a_call_without_follow_up_has_none() -> None:
    transcript = Transcript.model_validate(
        {
            "call_id": "c",
            "destination": "cults",
            "turns": [{"speaker": "customer", "text": "Sorry, wrong number."}],
        }
    )
    follow_up = find_follow_up(transcript)
    assert follow_up.promise is None and follow_up.preferred_time is None

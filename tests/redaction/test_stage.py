"""The redaction stage: secrets in every written, spoken and spelled form are masked,
and what the store needs (order ids, phones, e-mails, names) survives."""

from __future__ import annotations

import json

import pytest

from callhandoff.redaction.masks import MASK_RE
from callhandoff.redaction.stage import asked_for, redact_text, redact_transcript
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

from .corpus import CASES, Case, leaks


def _transcript(case: Case) -> Transcript:
    turns = [{"speaker": speaker, "text": text} for speaker, text in case.turns]
    return Transcript.model_validate(
        {"call_id": case.name, "destination": "cloudcart", "turns": turns}
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_secret_in_the_corpus_is_masked(case: Case) -> None:
    redacted = redact_transcript(_transcript(case))
    text = "\n".join(turn.text for turn in redacted.turns)
    assert leaks(text, (case,)) == []
    assert MASK_RE.search(text)
    assert "HH-100234" in text  # the order id is not a secret


def test_masking_twice_changes_nothing() -> None:
    for case in CASES:
        once = redact_transcript(_transcript(case))
        assert redact_transcript(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "My order HH-100318 never arrived, call me on +1 305 555 0147.",
        "Email me at sophie dot laurent at example dot org, order 403-1234567-8901234.",
        "The last four digits are 4242 and my pin code is 600001.",
        "My password is not working and I never got an OTP.",
        "I forgot my password, can you reset it?",
        "Please never share your PIN with anyone.",
        "Tracking number 1Z999AA10123456784 says delivered.",
    ],
)
def test_what_is_not_a_secret_stays(text: str) -> None:
    assert redact_text(text) == text


def test_a_question_that_asks_for_a_secret_masks_its_answer_only() -> None:
    call = Transcript.model_validate(
        {
            "call_id": "q",
            "destination": "cults",
            "turns": [
                {"speaker": "agent", "text": "What's your mother's maiden name?"},
                {"speaker": "customer", "text": "Sure, it's Okonkwo."},
                {"speaker": "customer", "text": "And the order is LF-2025-0042."},
            ],
        }
    )
    texts = [turn.text for turn in redact_transcript(call).turns]
    assert texts[1] == "Sure, it's [redacted security answer]."
    assert texts[2] == "And the order is LF-2025-0042."
    assert asked_for("Please never share your PIN.") is None


def test_a_declined_request_masks_nothing() -> None:
    call = Transcript.model_validate(
        {
            "call_id": "d",
            "destination": "cults",
            "turns": [
                {"speaker": "agent", "text": "Can you tell me the password?"},
                {"speaker": "customer", "text": "I don't remember it, sorry."},
            ],
        }
    )
    assert redact_transcript(call).turns[1].text == "I don't remember it, sorry."


def test_raw_text_of_a_rejected_json_record_is_masked_inside_its_strings() -> None:
    raw = json.dumps(
        {"turns": [["narrator", "What's the code we sent?"], ["customer", "five five one nine"]]}
    )
    masked = redact_text(raw)
    assert "five five one nine" not in masked
    assert json.loads(masked)["turns"][1][1] == "[redacted one-time code]"
    rejected = Rejected(path="x.json", problem="bad", raw="Customer: my password is Gr@pe9")
    from callhandoff.redaction.stage import redact_rejected

    assert "Gr@pe9" not in redact_rejected(rejected).raw

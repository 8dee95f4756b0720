"""Secrets said on the call become masked descriptions; the secret itself never leaves."""

from __future__ import annotations

import pytest

from callhandoff.extractors import find_sensitive_data
from callhandoff.redaction.stage import redact_transcript

from .helpers import call, grounded


@pytest.mark.parametrize(
    ("line", "value", "secret"),
    [
        ("C: my card is 4242 4242 4242 4242, charge it", "card number ending 4242", "4242 4242"),
        ("C: card number 4111-1111-1111-1111", "card number ending 1111", "4111-1111"),
        ("C: the OTP is 4821", "OTP shared", "4821"),
        ("C: cvv 123 if you need it", "CVV shared", "123"),
        ("C: my PIN is 1234", "PIN shared", "1234"),
        ("C: my password is hunter2!", "password shared", "hunter2"),
        ("C: Account Number: 1234567890 IFSC: SBIN0000123", "ID number shared", "1234567890"),
        ("C: aadhaar number 2345 6789 0123", "ID number shared", "2345 6789"),
        ("C: my mother's maiden name is Kowalski.", "security answer shared", "Kowalski"),
    ],
)
def test_secrets_are_described_not_copied(line: str, value: str, secret: str) -> None:
    redacted = redact_transcript(call(line))
    [found] = find_sensitive_data(redacted)
    assert found.value == value
    assert grounded(redacted, found)  # the masked sentence, as the redacted call says it
    assert "[redacted " in found.evidence.quote
    assert secret not in found.evidence.quote and secret not in found.value


def test_a_raw_transcript_is_masked_first() -> None:
    [found] = find_sensitive_data(call("C: my password is hunter2!"))
    assert found.value == "password shared"
    assert "hunter2" not in found.evidence.quote


def test_spoken_card_number_passing_luhn() -> None:
    t = redact_transcript(
        call("C: it's four two four two, four two four two, four two four two, four two four two")
    )
    [found] = find_sensitive_data(t)
    assert found.value == "card number ending 4242"
    assert found.evidence.quote == "it's [redacted card number ending 4242]"


@pytest.mark.parametrize(
    "line",
    [
        "C: card 4242 4242 4242 4241 is wrong",  # fails Luhn
        "C: my order number is 403-1234567-8901234",
        "C: the last four digits are 4242",
        "C: Pin code is 600001, check it",
        "C: my password is not working",
        "C: I never got an OTP",
    ],
)
def test_things_that_are_not_secrets(line: str) -> None:
    assert find_sensitive_data(call(line)) == []


def test_agent_asking_for_a_code_is_not_sharing_one() -> None:
    t = call("A: Please do not share your OTP 1234 with anyone.", "C: ok")
    assert find_sensitive_data(t) == []

"""What a masked secret looks like in a redacted transcript, and how to find one again.

Every secret said on a call is replaced by one of these bracketed words
(`[redacted password]`, `[redacted card number ending 4242]`), so a teammate,
a model or an extractor can still see *that* a secret was shared, and what
kind, without ever seeing it. This module is the only place that spells them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final


class SecretKind(StrEnum):
    """The kinds of secret redaction masks."""

    CARD = "card number"
    CVV = "CVV"
    ONE_TIME_CODE = "one-time code"
    PIN = "PIN"
    PASSWORD = "password"
    SECURITY_ANSWER = "security answer"
    ID_NUMBER = "ID number"


#: How the sensitive-data flag describes each kind (the value of the flag).
DESCRIPTIONS: Final = {
    SecretKind.CARD: "card number",
    SecretKind.CVV: "CVV shared",
    SecretKind.ONE_TIME_CODE: "OTP shared",
    SecretKind.PIN: "PIN shared",
    SecretKind.PASSWORD: "password shared",
    SecretKind.SECURITY_ANSWER: "security answer shared",
    SecretKind.ID_NUMBER: "ID number shared",
}

_BY_NAME: Final = {kind.value: kind for kind in SecretKind}
MASK_RE: Final = re.compile(
    r"\[redacted (?P<kind>"
    + "|".join(re.escape(kind.value) for kind in SecretKind)
    + r")(?: ending (?P<last4>\d{4}))?\]"
)


def mask(kind: SecretKind, last4: str | None = None) -> str:
    """The text that replaces a secret: `[redacted PIN]`, `[redacted card number ending 4242]`.

    Only a card keeps its last four digits (what a receipt shows).
    """
    if kind is SecretKind.CARD and last4:
        return f"[redacted {kind.value} ending {last4}]"
    return f"[redacted {kind.value}]"


def describe(match: re.Match[str]) -> str:
    """The flag value for a mask found by `MASK_RE`: `card number ending 4242`, `PIN shared`."""
    kind = _BY_NAME[match.group("kind")]
    last4 = match.group("last4")
    if kind is SecretKind.CARD:
        return f"card number ending {last4}" if last4 else "card number shared"
    return DESCRIPTIONS[kind]

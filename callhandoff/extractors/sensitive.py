"""Secrets said on the call: card numbers, CVV, OTP, PIN, passwords, bank and ID numbers.

The value is a masked description ("card number ending 4242", "OTP shared"), never
the secret, so the handoff can flag `sensitive_data_shared` without spreading it.
The evidence quote is the caller's own words (already in the transcript).
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.view import (
    CUED,
    CallView,
    Candidate,
    TurnView,
    candidate,
    rank,
    view_of,
)
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_sensitive_data", "luhn_ok"]

_CARD_RE: Final = re.compile(r"(?<![\w-])\d(?:[ \t-]?\d){12,18}(?![\w-])")
_ORDER_SHAPE_RE: Final = re.compile(r"^\d{2,4}[ -]\d{5,8}[ -]\d{5,8}$")
_ORDER_BEFORE_RE: Final = re.compile(
    r"\b(?:order|tracking|awb|transaction|txn|ref(?:erence)?|invoice|id)\b[^.!?\d]{0,20}$", re.I
)
_CODE_RE: Final = re.compile(
    r"\b(?P<what>cvv2?|cvc|security[ \t]+code|otp|one[ \t-]+time[ \t]+(?:password|code)"
    r"|verification[ \t]+code|upi[ \t]+pin|atm[ \t]+pin|pin(?![ \t]*code)(?:[ \t]+number)?)\b"
    r"(?:[ \t]*(?:\b(?:is|was|number|no)\b\.?|[=:\-]))*[ \t]*(?:it'?s[ \t]+)?"
    r"(?P<value>\d(?:[ \t-]?\d){2,7})\b",
    re.IGNORECASE,
)
_PASSWORD_RE: Final = re.compile(
    r"\b(?:password|passcode|pass[ \t]+word|pwd)(?:[ \t]+(?:is|was)|[ \t]*[:=])[ \t]*"
    r"(?P<value>[^\s,.!?]{3,40})",
    re.IGNORECASE,
)
_NOT_A_PASSWORD: Final = frozenset(
    """not wrong incorrect invalid correct working expired the my your a an same reset changed
    blocked locked fine ok okay already being also still too very so just never""".split()
)
_ACCOUNT_RE: Final = re.compile(
    r"\b(?P<what>(?:bank[ \t]+)?(?:account|acc|a/c)[ \t]*(?:number|no\.?|#)"
    r"|aadhaa?r(?:[ \t]+(?:number|no\.?))?"
    r"|ssn|social[ \t]+security(?:[ \t]+number)?|pan(?:[ \t]+card)?[ \t]+(?:number|no\.?)"
    r"|passport[ \t]+(?:number|no\.?))"
    r"(?:[ \t]*(?:\b(?:is|was)\b|[=:\-]))*[ \t]*(?P<value>\d(?:[ \t-]?\d){5,19}|[A-Z0-9]{6,20})\b",
    re.IGNORECASE,
)
_CODE_WORDS: Final = frozenset(
    ("cvv", "cvv2", "cvc", "otp", "pin", "verification", "security", "upi", "atm")
)
_ID_WORDS: Final = frozenset((
    "account", "acc", "aadhaar", "aadhar", "ssn", "social", "pan", "passport",
))  # fmt: skip
_LABELS: Final = {
    "cvv": "CVV",
    "cvc": "CVV",
    "security": "CVV",
    "otp": "OTP",
    "one": "OTP",
    "verification": "OTP",
    "pin": "PIN",
    "upi": "UPI PIN",
    "atm": "ATM PIN",
}


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _id_label(what: str) -> str:
    low = what.lower()
    if low.startswith("aadha"):
        return "Aadhaar number"
    if low.startswith(("ssn", "social")):
        return "social security number"
    if low.startswith("pan"):
        return "PAN number"
    if low.startswith("passport"):
        return "passport number"
    return "bank account number"


def _cards(turn: TurnView) -> list[Candidate]:
    """Card numbers: 13-19 digits passing Luhn that are not an order or tracking id."""
    found = []
    text = turn.text
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if _ORDER_SHAPE_RE.match(m.group()) or not luhn_ok(digits):
            continue
        if _ORDER_BEFORE_RE.search(text, max(0, m.start() - 40), m.start()):
            continue
        value = f"card number ending {digits[-4:]}"
        found.append(candidate(value, CUED, turn, m.start(), m.end(), "rule:sensitive"))
    return found


def find_sensitive_data(t: Transcript | CallView) -> list[Extracted[str]]:
    """Card numbers (13–19 digits passing Luhn, written or spoken), CVV/OTP/PIN codes,
    passwords and bank/ID numbers the customer says, as masked descriptions."""
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.customer_turns():
        text = turn.text
        if turn.digits >= 13:
            cands.extend(_cards(turn))
        if turn.digits >= 3 and (
            turn.has(_CODE_WORDS) or "one time" in turn.low or "one-time" in turn.low
        ):
            for m in _CODE_RE.finditer(text):
                first = re.match(r"[a-z]+", m.group("what").lower())
                label = _LABELS.get(first.group() if first else "", "code")
                cands.append(
                    candidate(f"{label} shared", CUED, turn, m.start(), m.end(), "rule:sensitive")
                )
        if turn.digits >= 6 and (turn.has(_ID_WORDS) or "a/c" in turn.low):
            for m in _ACCOUNT_RE.finditer(text):
                raw = re.sub(r"[\s-]", "", m.group("value"))
                if sum(c.isdigit() for c in raw) < 6:
                    continue
                value = f"{_id_label(m.group('what'))} ending {raw[-4:]}"
                cands.append(
                    candidate(value, CUED - 0.05, turn, m.start(), m.end(), "rule:sensitive")
                )
        if "pass" in turn.low or "pwd" in turn.low:
            for m in _PASSWORD_RE.finditer(text):
                secret = m.group("value")
                if secret.lower() in _NOT_A_PASSWORD:
                    continue
                conf = CUED if any(not c.isalpha() for c in secret) else CUED - 0.15
                cands.append(
                    candidate("password shared", conf, turn, m.start(), m.end(), "rule:sensitive")
                )
    return rank(cands)

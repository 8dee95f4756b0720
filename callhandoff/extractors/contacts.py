"""The caller's phone (E.164), e-mail (validated, lower-case) and own name (title-cased).

Phones go through `phonenumbers`, trying each configured region in order; e-mails
through `email-validator` without a DNS lookup. Spoken forms ("nine eight seven six
five...", "john dot smith at gmail dot com") are read from the written view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from callhandoff.extractors.names import name_candidates
from callhandoff.extractors.view import (
    ANSWER,
    BARE,
    CUED,
    READBACK,
    CallView,
    Candidate,
    candidate,
    rank,
    view_of,
)
from callhandoff.normalize import checked_regions, luhn_ok, parse_phone
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_emails", "find_names", "find_phones"]

_PHONE_CAND_RE: Final = re.compile(r"[+(]?\d[\d \t().\-]{5,20}\d")
_NOT_PHONE_BEFORE_RE: Final = re.compile(
    r"\b(?:order|tracking|awb|transaction|txn|trans|account|a/c|acc|card|ref(?:erence)?|invoice"
    r"|pnr|booking|reservation|upi|ifsc|pin|pincode|otp|cvv|amount|rs|inr|sku|model|id)\b"
    r"[^.!?\d]{0,20}$",
    re.IGNORECASE,
)
_PHONE_CUE_RE: Final = re.compile(
    r"\b(?:phone|mobile|mob|cell|contact|whatsapp|number|no|ph|call(?:[ \t]+me)?|reach(?:[ \t]+me)?"
    r"|text(?:[ \t]+me)?|dial)\b[^.!?\d]{0,20}$",
    re.IGNORECASE,
)
_ASKS_PHONE_RE: Final = re.compile(
    r"\b(?:phone|mobile|contact|cell|whatsapp)[ \t]+(?:number|no)\b|\bnumber to (?:call|reach)",
    re.IGNORECASE,
)
_PHONE_ASK_WORDS: Final = frozenset({"phone", "mobile", "contact", "cell", "whatsapp", "number"})
_ORDER_SHAPE_RE: Final = re.compile(r"^\d{2,4}[ -]\d{5,8}[ -]\d{5,8}$")
_MOBILE_TYPES: Final = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

_EMAIL_RE: Final = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_EMAIL_CUE_RE: Final = re.compile(r"\b(?:e-?mail|mail|gmail|send|reach|contact)\b", re.I)


def find_phones(t: Transcript | CallView, regions: Sequence[str]) -> list[Extracted[str]]:
    """Phone numbers said in the call as E.164, the caller's own first.

    A number introduced as a phone ("my number is", "call me on") or given in answer
    to the agent's request is trusted; a bare one only when it is a mobile number.
    Order ids, card numbers, account and tracking numbers are not phones.
    """
    regions = checked_regions(regions)
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent) or turn.digits < 7:
            continue
        text = turn.text
        prev = view.asked_before(turn) if turn.is_customer else None
        asked = (
            prev is not None
            and prev.has(_PHONE_ASK_WORDS)
            and bool(_ASKS_PHONE_RE.search(prev.text))
        )
        for m in _PHONE_CAND_RE.finditer(text):
            before = text[m.start() - 1] if m.start() else " "
            after = text[m.end()] if m.end() < len(text) else " "
            if before.isalnum() or before in "+_" or after.isalnum() or after in "-_":
                continue
            raw = m.group().strip("().- \t")
            digits = re.sub(r"\D", "", raw)
            if not 7 <= len(digits) <= 15 or _ORDER_SHAPE_RE.match(raw):
                continue
            if _NOT_PHONE_BEFORE_RE.search(text, max(0, m.start() - 40), m.start()):
                continue
            if len(digits) >= 13 and luhn_ok(digits):
                continue
            number = parse_phone(raw, regions)
            if number is None:
                continue
            cued = bool(_PHONE_CUE_RE.search(text, max(0, m.start() - 40), m.start()))
            if cued:
                conf = CUED if turn.is_customer else READBACK
            elif asked:
                conf = ANSWER
            elif phonenumbers.number_type(number) in _MOBILE_TYPES or raw.startswith("+"):
                conf = BARE if turn.is_customer else BARE - 0.1
            else:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            cands.append(candidate(e164, conf, turn, m.start(), m.end(), "rule:phone"))
    return rank(cands)


def find_emails(t: Transcript | CallView) -> list[Extracted[str]]:
    """E-mail addresses said in the call, validated (no DNS lookup) and lower-cased."""
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent) or "@" not in turn.text:
            continue
        for m in _EMAIL_RE.finditer(turn.text):
            try:
                info = validate_email(m.group(), check_deliverability=False)
            except EmailNotValidError:
                continue
            cued = bool(_EMAIL_CUE_RE.search(turn.text, max(0, m.start() - 40), m.start()))
            conf = (CUED if cued else CUED - 0.1) if turn.is_customer else READBACK
            cands.append(
                candidate(info.normalized.lower(), conf, turn, m.start(), m.end(), "rule:email")
            )
    return rank(cands)


def find_names(t: Transcript | CallView) -> list[Extracted[str]]:
    """The caller's own name as they give it, title-cased, with a spelled-out surname
    applied: introduced ("my name is ...", "this is ... calling", "... here"), said on
    its own where callers name themselves ("HH-100359. Maria O'Connell."), or read out
    by the agent and confirmed ("..., Naomi Brandt?" "That's me."). Never the agent's
    name, a place, a business or a feeling ("I'm frustrated")."""
    view = view_of(t)
    return rank(name_candidates(view))

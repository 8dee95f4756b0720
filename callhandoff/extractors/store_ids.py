"""Letter-prefixed store references and the agent questions that ask for one.

Stores write order and booking references as a short letter prefix and digit groups:
`HH-100455`, `LF-2025-0071`, `INS-55102`. On a call they arrive spelled and spoken
("H H one zero zero four five five", "L F, two oh two five, oh oh eight four"), which
the written view turns into "H H 100455" and "L F, 2025 0084". `PREFIXED_RE` finds
both forms; `prefixed_value` writes them as the store would.

Whether such a code is an order id, a booking reference or a SKU depends on what
introduced it, so this module only finds shapes and reads questions; `ids` and
`bookings` decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from callhandoff.extractors.view import (
    BARE,
    READBACK,
    CallView,
    Candidate,
    TurnView,
    candidate,
    questions,
)
from callhandoff.normalize import id_key

__all__ = [
    "PREFIXED_RE",
    "Mentions",
    "asks_booking",
    "asks_order",
    "may_hold_prefixed",
    "prefixed_value",
    "settled",
    "usable_prefix",
]

# A prefix is 1-4 capitals ("HH", "SUB"), two such groups ("LF-BK"), or 2-4 capitals
# spelled one by one ("H H", "L F,"); then digit groups split by dashes or pauses.
_LETTERS: Final = r"[A-Z]{1,4}(?:-[A-Z]{2,4})?|[A-Z](?:[ \t]*,?[ \t]+[A-Z]){1,3}"
_DIGIT_GROUPS: Final = r"\d{2,}(?:(?:[ \t]*[-–][ \t]*|,?[ \t]+)\d{2,})*"
PREFIXED_RE: Final = re.compile(
    rf"(?<![\w'’-])(?P<letters>{_LETTERS})(?:[ \t]*[-–][ \t]*|[ \t]*,?[ \t]*)"
    rf"(?P<digits>{_DIGIT_GROUPS})(?![\w-])"
)
# a quick test that a text may hold a prefixed reference, before the full scan
_MAYBE_PREFIXED_RE: Final = re.compile(r"[A-Z][A-Z \t,–-]{0,12}\d")
# Letter codes that are money, labels ("ID 4031234"), references of other kinds or
# product lines, never a store's order or booking prefix.
_NOT_PREFIXES: Final = frozenset(
    "INR RS USD EUR GBP AUD CAD AED SGD JPY ID NO NR REF TXN TRN UTR AWB INV INC TKT SR CASE "
    "CRN ARN RRN UPI IFSC OTP PIN CVV GST IMEI SN RTX GTX".split()
)
_YEAR_RE: Final = re.compile(r"(?:19|20)\d\d")
_GROUP_SPLIT_RE: Final = re.compile(r"[ \t]*[-–][ \t]*|,?[ \t]+")

_OTHER_ASK_RE: Final = re.compile(
    r"\b(?:phone|mobile|e-?mail|tracking|contact|address|zip|postcode|pin ?code|transaction"
    r"|txn|payment|invoice|account|utr)",
    re.IGNORECASE,
)
_ORDER_ASK_RE: Final = re.compile(
    r"\b(?:order|subscription)[ \t]*(?:id|number|no\b|#|ref(?:erence)?|confirmation)"
    r"(?![ \t]*#?[ \t]*[A-Za-z]{0,4}[-\d])[^.?!]{0,80}\?"
    r"|\b(?:which|what)[ \t]+order\b[^.?!]{0,40}\?"
    r"|\b(?:get|have|need|give|provide|share|confirm)[ \t]+(?:me[ \t]+)?(?:your|the)[ \t]+order"
    r"[ \t]+(?:or|and)\b[^.?!]{0,40}\?",
    re.IGNORECASE,
)
_NUMBER_ASK_RE: Final = re.compile(r"^[ \t]*number(?:[ \t]+please)?\?", re.I)
_BOOKING_ASK_RE: Final = re.compile(
    r"\b(?:booking|reservation|appointment|installation|install|consultation|pickup|pick-up"
    r"|visit|fitting)[ \t]*(?:id|number|no\b|#|ref(?:erence)?|code)[^.?!]{0,80}\?",
    re.IGNORECASE,
)
_ORDER_WORDS: Final = frozenset({"order", "subscription", "number", "order's"})
_BOOKING_ASK_WORDS: Final = frozenset(
    "booking reservation appointment installation install consultation pickup pick-up visit "
    "fitting".split()
)


def may_hold_prefixed(text: str) -> bool:
    """False when `text` certainly holds no `PREFIXED_RE` match (a cheap first test)."""
    return _MAYBE_PREFIXED_RE.search(text) is not None


def usable_prefix(letters: str) -> bool:
    """A prefix that can start a store reference (not a currency or another kind of code)."""
    return id_key(letters) not in _NOT_PREFIXES


def prefixed_value(letters: str, digits: str, written: str | None) -> str:
    """Write a prefixed reference as the store does.

    `written` is the caller's own text of the code when it was typed or read out as
    written ("HH-100455", "HH4031187"): it is kept. A spelled and spoken code gets
    a dash after a prefix of two or more letters ("HH-100234", but "A12345"); digit
    groups are joined, except a year-like first group ("L F, 2025 0084" → "LF-2025-0084").
    """
    if written is not None:
        return re.sub(r"[\s#,]", "", written.replace("–", "-")).upper()
    prefix = id_key(letters)
    groups = [g for g in _GROUP_SPLIT_RE.split(digits.strip()) if g]
    if len(groups) >= 2 and _YEAR_RE.fullmatch(groups[0]):
        body = "-".join(groups)
    else:
        body = "".join(groups)
    return f"{prefix}-{body}" if len(prefix) >= 2 else f"{prefix}{body}"


def asks_order(turn: TurnView) -> bool:
    """True when an agent turn asks for the order (or subscription) number.

    "What's the order reference?", "Which order is it?", "Can I get your order or
    your name?", "Let me pull up the order. Number?". A question that also asks for a
    phone, e-mail or tracking number, or for a booking reference, does not count.
    """
    if not turn.is_agent or "?" not in turn.text or turn.words.isdisjoint(_ORDER_WORDS):
        return False
    for sentence in questions(turn.text):
        asked = bool(_ORDER_ASK_RE.search(sentence)) or (
            len(sentence) < 24 and "order" in turn.words and bool(_NUMBER_ASK_RE.search(sentence))
        )
        if asked and not (_OTHER_ASK_RE.search(sentence) or _BOOKING_ASK_RE.search(sentence)):
            return True
    return False


def asks_booking(turn: TurnView) -> bool:
    """True when an agent turn asks for a booking, appointment or installation reference."""
    if not turn.is_agent or "?" not in turn.text or turn.words.isdisjoint(_BOOKING_ASK_WORDS):
        return False
    return any(_BOOKING_ASK_RE.search(s) for s in questions(turn.text))


def settled(
    view: CallView, cands: list[Candidate], written: list[bool], min_digits: int
) -> list[Candidate]:
    """Every mention valued as the call writes the reference ("HH2140958" rather than
    the spoken default "HH-2140958"). `written[i]` tells whether `cands[i]` was written
    rather than spelled and spoken. Written repeats of references otherwise only heard
    (with at least `min_digits` digits) are added as mentions: they confirm the value
    and, when the customer says them, are the evidence."""
    if all(written):
        return cands
    forms: dict[str, str] = {}
    for cand, was_written in zip(cands, written, strict=True):
        if was_written:
            forms.setdefault(id_key(cand.value), cand.value)
    missing = {id_key(c.value) for c in cands} - forms.keys()
    repeats: list[Candidate] = []
    source = cands[0].source
    for turn in view.turns if missing else ():
        if turn.digits < min_digits or not (turn.is_customer or turn.is_agent):
            continue
        if not may_hold_prefixed(turn.text):
            continue
        for m in PREFIXED_RE.finditer(turn.text):
            key = id_key(m.group())
            if key in missing and not turn.spoken.is_spoken(m.start(), m.end()):
                value = re.sub(r"[\s#,]", "", m.group().replace("–", "-")).upper()
                forms.setdefault(key, value)
                conf = BARE + 0.05 if turn.is_customer else READBACK
                repeats.append(candidate(value, conf, turn, m.start(), m.end(), source))
    return [c._replace(value=forms.get(id_key(c.value), c.value)) for c in [*cands, *repeats]]


class Mentions:
    """Id mentions found in one call, each noted as written, or spelled and spoken.

    `read(turn, id_start, end)` gives the normalised value and whether it was written;
    orders and bookings differ only in how they read a value and what they call it.
    """

    def __init__(self, read: Callable[[TurnView, int, int], tuple[str, bool]], source: str):
        self.read = read
        self.source = source
        self.cands: list[Candidate] = []
        self.written: list[bool] = []

    def add(self, turn: TurnView, conf: float, start: int, id_start: int, end: int) -> None:
        """Note one mention: the quote spans [start, end), the id itself [id_start, end)."""
        value, written = self.read(turn, id_start, end)
        self.cands.append(candidate(value, conf, turn, start, end, self.source))
        self.written.append(written)

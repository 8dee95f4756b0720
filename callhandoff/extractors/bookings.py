"""Booking references: bookings, reservations, appointments, installations, pickups.

A code is a booking reference when it is introduced as one ("booking BK-88213",
"appointment number 45521"), when it answers the agent's question for one ("Do you
have the appointment reference?" "Uh, I N S, five five one oh two"), when a
"reference" is read out while a booking is being made or moved ("You're booked,
pickup reference P U eight one four four"), or when it names itself ("LF-BK-0301").
Values are written like order ids: "INS-55102", the written form when there is one.
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.ids import CODE, FILL, order_value, plausible
from callhandoff.extractors.store_ids import (
    PREFIXED_RE,
    Mentions,
    asks_booking,
    prefixed_value,
    settled,
)
from callhandoff.extractors.store_ids import usable_prefix as _usable_prefix
from callhandoff.extractors.view import (
    ANSWER,
    BARE,
    CUED,
    READBACK,
    CallView,
    TurnView,
    rank,
    view_of,
)
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_booking_ids"]

_SPACED: Final = (
    r"[a-z](?:[ \t]*,?[ \t]+[a-z]){1,3}[ \t]*,?[ \t]*\d{2,}(?:[ \t]+\d{2,})*"
    r"|[a-z]{2,4}[ \t]+\d{3,12}"
)
_FREE: Final = r"(?:[ \t,]+(?:um+|uh+|er+|hang[ \t]+on|hold[ \t]+on|just)\b[,.]*){0,3}"
_BOOKING_WORDS: Final = frozenset(("booking", "reservation", "appointment", "pnr", "confirmation"))
_BOOKING_RE: Final = re.compile(
    r"\b(?P<cue>booking|reservation|appointment|pnr|confirmation)"
    r"(?P<kind>[ \t]*(?:id|no\.?|number|code|ref(?:erence)?|#))?"
    rf"{FILL}[ \t]*#?[ \t]*(?P<id>{_SPACED}|{CODE})(?![\w-])",
)
_REFERENCE_RE: Final = re.compile(
    rf"\bref(?:erence)?\b(?:[ \t]*(?:number|no\.?|code|#))?{FILL}{_FREE}[ \t]*#?[ \t]*"
    rf"(?P<id>{_SPACED}|{CODE})(?![\w-])",
)
_NOT_BOOKING_REF_RE: Final = re.compile(
    r"\b(?:order|transaction|refund|payment|case|ticket|complaint|tracking|invoice|return"
    r"|claim|escalation)\b[ \t]*(?:id|no\.?|number)?[ \t]*$",
    re.IGNORECASE,
)
# a reference read out while a booking is being made, moved or cancelled
_BOOKED_WORDS: Final = frozenset(
    "book booked booking bookings rebook appointment reservation reserved consultation "
    "installation install installer pickup pick-up visit fitting slot reschedule".split()
)
# a store prefix and a booking marker: "LF-BK-0301", "BK-HH-5004"
_SELF_NAMED_RE: Final = re.compile(r"^[A-Z]{2,4}-(?:BK|BKG)$|^(?:BK|BKG)-[A-Z]{2,4}$")
_MIN_DIGITS: Final = 3  # booking references are short: "PU-814", "CNS-0417"
_CONTEXT_TURNS: Final = 2  # turns before a "reference" that may show a booking is in hand
_REFERENCE_WORDS: Final = frozenset(("reference", "ref"))
_CUE_WORDS: Final = _BOOKING_WORDS | _REFERENCE_WORDS


def _booking_value(turn: TurnView, start: int, end: int) -> tuple[str, bool]:
    """The reference as written in the call, or spoken letters and digits as "INS-55102"."""
    raw = turn.text[start:end]
    written = not turn.spoken.is_spoken(start, end)
    shape = PREFIXED_RE.fullmatch(raw.lstrip("#").strip())
    if shape is None:
        return order_value(raw), written
    return prefixed_value(shape["letters"], shape["digits"], raw if written else None), written


def _spaced_ok(turn: TurnView, raw: str, start: int) -> bool:
    """Letters spelled one by one ("A S 30981") or set apart ("AB 12345") count when
    written as capitals."""
    if raw[1:2].isspace():
        return raw[2:3].isalpha() and turn.text[start].isupper() and turn.text[start + 2].isupper()
    if raw[:1].isalpha() and " " in raw:
        letters = raw.split()[0]
        return turn.text[start : start + len(letters)].isupper() and _usable_prefix(letters)
    return True


def _cued(turn: TurnView, found: Mentions) -> None:
    for m in _BOOKING_RE.finditer(turn.wlow):
        raw, s, e = m.group("id"), m.start("id"), m.end("id")
        if not _spaced_ok(turn, raw, s) or not plausible(raw, turn.wlow, s, e):
            continue
        conf = CUED if turn.is_customer else READBACK
        if m.group("cue").lower() == "confirmation":
            conf -= 0.15
        elif not m.group("kind"):
            conf -= 0.05
        found.add(turn, conf, m.start(), s, e)


def _booking_in_hand(view: CallView, turn: TurnView) -> bool:
    """The turn, or one just before it, is about making or changing a booking."""
    first = max(0, turn.index - _CONTEXT_TURNS)
    return any(view.turns[i].has(_BOOKED_WORDS) for i in range(first, turn.index + 1))


def _referenced(view: CallView, turn: TurnView, found: Mentions) -> None:
    """'reference ABC 123' said while a booking is being made or moved."""
    for m in _REFERENCE_RE.finditer(turn.wlow):
        s, e = m.start("id"), m.end("id")
        if not _spaced_ok(turn, m.group("id"), s):
            continue
        shape = PREFIXED_RE.fullmatch(turn.text[s:e])
        if shape is None or not _usable_prefix(shape["letters"]):
            continue  # only store-style references: letters, then digits
        if _NOT_BOOKING_REF_RE.search(turn.wlow, max(0, m.start() - 30), m.start()):
            continue
        if not plausible(m.group("id"), turn.wlow, s, e) or not _booking_in_hand(view, turn):
            continue
        found.add(turn, (CUED if turn.is_customer else READBACK) - 0.05, m.start(), s, e)


def _answer(turn: TurnView, found: Mentions) -> None:
    """The code that answers the agent's question for a booking reference."""
    for m in PREFIXED_RE.finditer(turn.text, 0, min(len(turn.text), 120)):
        s, e = m.span()
        if _usable_prefix(m["letters"]) and plausible(m.group(), turn.text, s, e):
            found.add(turn, ANSWER, s, s, e)
            return


def _self_named(turn: TurnView, found: Mentions) -> None:
    """Codes that say they are bookings: "LF-BK-0301", "BK-HH-5004"."""
    for m in PREFIXED_RE.finditer(turn.text):
        s, e = m.span()
        if _SELF_NAMED_RE.search(m["letters"]) and plausible(m.group(), turn.text, s, e):
            found.add(turn, BARE if turn.is_customer else BARE - 0.05, s, s, e)


def find_booking_ids(t: Transcript | CallView) -> list[Extracted[str]]:
    """Booking, reservation, appointment, PNR and confirmation references, most relevant
    first; the written form of a reference is its value when the call has one."""
    view = view_of(t)
    found = Mentions(_booking_value, "rule:booking_id")
    for turn in view.turns:
        if not turn.digits or not (turn.is_customer or turn.is_agent):
            continue
        before = len(found.cands)
        if not turn.words.isdisjoint(_CUE_WORDS):
            if not turn.words.isdisjoint(_BOOKING_WORDS):
                _cued(turn, found)
            if not turn.words.isdisjoint(_REFERENCE_WORDS):
                _referenced(view, turn, found)
        if len(found.cands) == before and turn.is_customer and turn.index:
            prev = view.turns[turn.index - 1]
            if prev.is_agent and asks_booking(prev):
                _answer(turn, found)
        if len(found.cands) == before and "BK" in turn.text:
            _self_named(turn, found)
    return rank(settled(view, found.cands, found.written, _MIN_DIGITS))

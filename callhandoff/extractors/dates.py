"""The deadline the customer needs met: "by Friday", "before the 12th", "need it by
tomorrow", "within 3 days", "by end of the week", "next Monday", "March 20th".

Only customer turns count, so agent SLAs ("we'll refund within 5-7 business days")
are never deadlines; past dates ("it was supposed to come yesterday") and callback
expectations ("call me back by tomorrow") are skipped. Dates resolve against the
call's start and always land on or after it ("the 12th" → the next 12th).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final, NamedTuple

from dateutil.relativedelta import (
    FR,
    MO,
    SA,
    SU,
    TH,
    TU,
    WE,
    relativedelta,
    weekday,
)

from callhandoff.extractors.spoken import normalize
from callhandoff.extractors.view import CallView, TurnView, extracted, view_of
from callhandoff.extractors.vocab import TEENS, UNITS
from callhandoff.schema import Deadline, Extracted, Transcript

__all__ = ["find_deadline", "resolve_when"]

_TOMORROW: Final = (
    r"tomorrow|tomorow|tommorow|tommorrow|tomorro|tomoro|tmorrow|tmorow|tmrw|tmrow|tmr|2moro"
    r"|2morrow|2mrw|tomo"
)
_WEEKDAYS: Final = {
    "monday": MO, "mon": MO, "tuesday": TU, "tues": TU, "tue": TU, "wednesday": WE, "weds": WE,
    "thursday": TH, "thurs": TH, "thur": TH, "friday": FR, "fri": FR, "saturday": SA,
    "sunday": SU,
}  # fmt: skip
_MONTHS: Final = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH: Final = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_WEEKDAY: Final = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_PART: Final = r"(?:[ \t]+(?:morning|mornin|afternoon|evening|eve|night|noon|eod|latest|itself))?"
_EXPR_RE: Final = re.compile(
    rf"\b(?:(?P<dat>day[ \t]+after[ \t]+(?:{_TOMORROW}))|(?P<tom>{_TOMORROW})"
    r"|(?P<tod>today|tonight|tonite|2day|2nite)"
    rf"|(?:(?P<mod>this[ \t]+coming|coming|this|next)[ \t]+)?(?P<wd>{_WEEKDAY})"
    r"|end[ \t]+of[ \t]+(?:the[ \t]+|this[ \t]+)?(?P<eo>day|week|month)"
    r"|(?:(?P<wkmod>this|the|next)[ \t]+)?(?P<wkend>weekend)"
    r"|(?P<vague>next[ \t]+(?:week|month))"
    rf"|(?:the[ \t]+)?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)(?:[ \t]+of[ \t]+(?P<m1>{_MONTH}))?"
    rf"|(?P<m2>{_MONTH})\.?[ \t]+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?P<m3>{_MONTH})"
    r"|(?P<within>within|in)[ \t]+(?:the[ \t]+next[ \t]+)?"
    r"(?P<n>\d{1,3}|an?|a[ \t]+couple[ \t]+of|one|two|three|four|five|six|seven|eight|nine"
    r"|ten)[ \t]+(?P<unit>hours?|hrs?|days?|weeks?)"
    r"|within[ \t]+the[ \t]+(?P<the>hour|day|week))"
    rf"\b{_PART}",
)
_CLAUSE_BREAK_RE: Final = re.compile(
    r"[.!?\n;,]|\b(?:but|and|so|otherwise|or else|because|coz|cuz)\b"
)
_PREP_RE: Final = re.compile(
    r"(?P<prep>\b(?:by|before|until|till|til|on|for|latest[ \t]+by|no[ \t]+later[ \t]+than))"
    r"[ \t]+(?:the[ \t]+)?$",
)
_NEED_RE: Final = re.compile(
    r"\b(?:need|needs|needed|nid|neeed|want|wanted|must|require|required|has[ \t]+to|have[ \t]+to"
    r"|got[ \t]+to|make[ \t]+sure|ensure|deliver|send|get|ship|arrive|arrives|reach"
    r"|reaches|come|comes|here|replace|refund)\b",
)
_EVENT_RE: Final = re.compile(
    r"\b(?:birthday|bday|b'day|party|wedding|flight|exams?|trip|anniversary|function|event"
    r"|interview|travel(?:l?ing)?|leaving|ceremony|festival|diwali|holi|christmas|puja)\b",
)
_PAST_RE: Final = re.compile(
    r"\b(?:was|were|had|ago|last|supposed|expected|expecting|ordered|placed|returned|shipped"
    r"|received|since|did|didn'?t|have[ \t]+been|has[ \t]+been|should[ \t]+have|would[ \t]+have"
    r"|came|arrived|yesterday|said|promised|told)\b",
)
_NOT_ITEM_RE: Final = re.compile(
    r"\b(?:call|callback|calling|update|updates|hear|response|respond|reply|email|mail|message"
    r"|sms|contact|text|answer|confirmation)\b",
)
_DATE_WORDS: Final = frozenset((
    *_TOMORROW.split("|"), "today", "tonight", "tonite", "2day", "2nite", "weekend", "week",
    "month", "day", *_WEEKDAYS, "within",
))  # fmt: skip
_DIGIT_DATE_WORDS: Final = frozenset((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "hours", "hour", "hrs", "hr", "days", "weeks",
))  # fmt: skip
_ORDINAL_RE: Final = re.compile(r"\d(?:st|nd|rd|th)\b")
_NUMBER_WORDS: Final = {
    "a": 1, "an": 1, "a couple of": 2, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip


class _Found(NamedTuple):
    confidence: float
    turn: TurnView
    start: int  # evidence span in the written text
    end: int
    deadline: Deadline


def _shift(
    ref: dt.date,
    *,
    days: int = 0,
    months: int = 0,
    day: int | None = None,
    weekday: weekday | None = None,
) -> dt.date:
    """`ref + relativedelta(...)` as a plain date."""
    moved = ref + relativedelta(days=days, months=months, day=day, weekday=weekday)
    return dt.date(moved.year, moved.month, moved.day)


def _next_day_of_month(ref: dt.date, day: int) -> dt.date | None:
    for months in range(13):
        candidate = _shift(ref, months=months, day=day)
        if candidate.day == day and candidate > ref:
            return candidate
    return None


def _resolve(m: re.Match[str], reference: dt.datetime) -> dt.date | None:
    """The date a matched expression means, said at `reference`; None when vague."""
    ref = reference.date()
    g = m.groupdict()
    if g["tod"]:
        return ref
    if g["tom"]:
        return ref + dt.timedelta(days=1)
    if g["dat"]:
        return ref + dt.timedelta(days=2)
    if g["wd"]:
        return _shift(ref, days=1, weekday=_WEEKDAYS[g["wd"].lower()](+1))
    if g["eo"]:
        unit = g["eo"].lower()
        if unit == "day":
            return ref
        if unit == "week":
            return _shift(ref, weekday=SU(+1))
        return _shift(ref, day=31)
    if g["wkend"]:
        if (g["wkmod"] or "").lower() == "next":
            return None  # "next weekend" is read both ways; leave it to a person
        return _shift(ref, weekday=SA(+1))
    if g["vague"]:
        return None
    day_text = g["d1"] or g["d2"] or g["d3"]
    if day_text:
        day = int(day_text)
        month_text = g["m1"] or g["m2"] or g["m3"]
        if not 1 <= day <= 31:
            return None
        if month_text is None:
            return _next_day_of_month(ref, day)
        month = _MONTHS[month_text.lower()[:3]]
        for year in (ref.year, ref.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                return None
            if candidate >= ref:
                return candidate
        return None
    if g["n"]:
        n_text = " ".join(g["n"].lower().split())
        n = _NUMBER_WORDS.get(n_text) or int(n_text)
        unit = g["unit"].lower()
        if unit.startswith("h"):
            return (reference + dt.timedelta(hours=n)).date()
        return ref + dt.timedelta(days=n * (7 if unit.startswith("w") else 1))
    if g["the"]:
        return ref + dt.timedelta(days=7 if g["the"].lower() == "week" else 0)
    return None


def _may_have_date(turn: TurnView) -> bool:
    """Cheap prefilter: a date word, or digits next to a date word or ordinal suffix."""
    if turn.has(_DATE_WORDS):
        return True
    return turn.digits > 0 and (turn.has(_DIGIT_DATE_WORDS) or bool(_ORDINAL_RE.search(turn.wlow)))


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last match of `pattern` in `text` (the cue nearest to the date)."""
    found = None
    for found in pattern.finditer(text):  # noqa: B007 - keep the last one
        pass
    return found


def _judge(turn: TurnView, m: re.Match[str], reference: dt.datetime) -> _Found | None:
    """Is this date expression a deadline the customer needs met? With what confidence?"""
    text = turn.wlow  # dates are matched on the lower-cased written form
    head = text[max(0, m.start() - 80) : m.start()]
    breaks = list(_CLAUSE_BREAK_RE.finditer(head))
    clause_start = m.start() - len(head) + (breaks[-1].end() if breaks else 0)
    clause = text[clause_start : m.start()]
    if _PAST_RE.search(clause) or _NOT_ITEM_RE.search(clause):
        return None
    prep = _PREP_RE.search(clause)
    need = _NEED_RE.search(clause)
    event = _last(_EVENT_RE, clause)
    if m.group("within"):
        if not need:
            return None
        conf = 0.75
    elif need and prep:
        conf = 0.85
    elif need or (prep and prep.group("prep").lower() not in {"on", "for"}):
        conf = 0.8
    elif event:
        conf = 0.65
    else:
        return None
    # the phrase as said: from the preposition, else the event, else the need ("make sure
    # it reaches today"); the quote may start earlier, at the first cue
    weak_prep = prep is not None and prep.group("prep") in {"on", "for"}
    cue = (event or prep or need) if weak_prep else (prep or event or need)
    within = m.group("within") is not None
    text_start = m.start() if within or cue is None else clause_start + cue.start()
    cues = [c.start() for c in (prep, need, event) if c is not None]
    quote_start = min(text_start, clause_start + min(cues)) if cues else text_start
    date = _resolve(m, reference)
    if date is None:
        conf -= 0.15
    if turn.spoken.is_spoken(m.start(), m.end()):
        conf -= 0.05
    _, said = turn.spoken.quote(text_start, m.end())
    return _Found(round(conf, 3), turn, quote_start, m.end(), Deadline(text=said, date=date))


def find_deadline(t: Transcript | CallView, reference: dt.datetime) -> Extracted[Deadline] | None:
    """The customer's strongest stated deadline (earliest on a tie), resolved against
    `reference` (the call's start, timezone-aware)."""
    view = view_of(t)
    best: _Found | None = None
    for turn in view.customer_turns():
        if not _may_have_date(turn):
            continue
        for m in _EXPR_RE.finditer(turn.wlow):
            found = _judge(turn, m, reference)
            if found is None:
                continue
            if best is None or found.confidence > best.confidence:
                best = found
    if best is None:
        return None
    return extracted(
        best.deadline, best.confidence, best.turn, best.start, best.end, "rule:deadline"
    )


# --- a new date or time said in words ("Friday the twenty-first at one p.m.") -----------
_HOUR_WORDS: Final = {w: n for w, n in {**UNITS, **TEENS}.items() if 1 <= n <= 12}
_CLOCK_RE: Final = re.compile(
    r"\b(?P<h>\d{1,2}|" + "|".join(_HOUR_WORDS) + r")(?:[:.](?P<m>\d{2}))?[ \t]*"
    r"(?:(?P<ap>[ap])\.?[ \t]?m\b\.?|(?P<oclock>o'?clock))"
    r"|\b(?P<h24>\d{1,2}):(?P<m24>\d{2})\b|\b(?P<noon>noon|midday)\b",
    re.IGNORECASE,
)


def _clock(text: str) -> dt.time | None:
    found = _CLOCK_RE.search(text)
    if found is None:
        return None
    if found.group("noon"):
        return dt.time(12, 0)
    if found.group("h24"):
        hour, minute = int(found.group("h24")), int(found.group("m24"))
    else:
        said = found.group("h").lower()
        hour = _HOUR_WORDS[said] if said in _HOUR_WORDS else int(said)
        minute = int(found.group("m") or 0)
        if not 1 <= hour <= 12:
            return None
        if found.group("ap"):
            hour = hour % 12 + (12 if found.group("ap").lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def resolve_when(said: str, reference: dt.datetime) -> str | None:
    """The date (and time) `said` names, as ISO 8601 in the reference's zone; None when it
    does not name a day ("sometime next week") or cannot be read.

    "Friday the twenty-first at one p.m." said on 14 March 2025 (UTC) gives
    "2025-03-21T13:00:00+00:00"; "the 26th" gives "2025-03-26".
    """
    text = normalize(said).text.lower()
    matches = list(_EXPR_RE.finditer(text))
    explicit = [m for m in matches if m.group("d1") or m.group("d2") or m.group("d3")]
    chosen = (explicit or matches)[:1]
    day = _resolve(chosen[0], reference) if chosen else None
    if day is None:
        return None
    clock = _clock(text)
    if clock is None:
        return day.isoformat()
    return dt.datetime.combine(day, clock, tzinfo=reference.tzinfo).isoformat()

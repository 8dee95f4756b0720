"""Order ids: the exact values a store can look up an order by.

Values are normalised as the store writes them: digits, letters and dashes kept,
'#' and spaces dropped, letters upper-case ("#a12345" → "A12345", "four oh three,
one two three four five six seven, ..." → "403-1234567-..."). Letter-prefixed store
references come from `store_ids` ("H H one zero zero two three four" → "HH-100234");
when the call has an id both spoken and written, the written form is the value.

A bare number is an order id only when it is introduced as one or answers the
agent's question about the order; a prefixed reference also when it is said in a
sentence about an order or while the agent's order question is still open. Phone
numbers, amounts, dates, times, masked ids ("171-XXXXXXX-...") and codes introduced
as tracking, booking or model numbers never are. Booking references are in
`bookings`, SKUs in `skus`; both share `plausible` and `order_value` from here.
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.store_ids import (
    PREFIXED_RE,
    Mentions,
    asks_order,
    may_hold_prefixed,
    prefixed_value,
    settled,
    usable_prefix,
)
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

__all__ = ["CODE", "DATE_LIKE_RE", "FILL", "alnum", "find_order_ids", "order_value", "plausible"]

_GAP: Final = r"(?:[ \t]*[-–][ \t]*|,?[ \t]+)"
_GROUPED: Final = rf"\d{{2,4}}{_GAP}\d{{5,8}}{_GAP}\d{{5,8}}"
CODE: Final = r"(?=[A-Za-z0-9/–-]*\d)[A-Za-z0-9]+(?:[-–/][A-Za-z0-9]+)*"
FILL: Final = (
    r"(?:[ \t]*(?:[:#=]|\.{2,3}|…|-(?![A-Za-z0-9])"
    r"|\b(?:is|was|number|num|no|id|with|it's|its)\b\.?))*"
)
# "h h 100234", "l f, 2025 0084": letters spelled one by one, then digit groups; "ab 12345"
_SPACED: Final = (
    r"[a-z](?:[ \t]*,?[ \t]+[a-z]){1,3}[ \t]*,?[ \t]*\d{2,}(?:(?:[ \t]*[-–][ \t]*|,?[ \t]+)\d{2,})*"
    r"|[a-z]{2,4}[ \t]+\d{4,12}"
)
_FILLER_WORDS: Final = (
    r"supposedly|actually|basically|probably|like|um+|uh+|er+|hm+|just|again|here"
)
_FREE: Final = rf"(?P<free>(?:[ \t,]+(?:{_FILLER_WORDS})\b[,.]*){{0,2}})"
_CUE_TAIL: Final = (
    r"(?:'s)?(?:[ \t]*(?:id|no\.?|num(?:ber)?|#|ref(?:erence)?))?"
    rf"{FILL}{_FREE}[ \t]*#?[ \t]*"
    rf"(?P<id>{_GROUPED}|{_SPACED}|{CODE}|[a-z][ \t]+\d{{4,12}})(?![\w-])"
)
# one regex per cue word: a literal start lets the engine skip ahead quickly
_ORDER_CUE_RE: Final = re.compile(rf"\border{_CUE_TAIL}")
_SUBSCRIPTION_CUE_RE: Final = re.compile(rf"\bsubscription{_CUE_TAIL}")
_CUE_WORDS: Final = frozenset({"order", "order's", "subscription"})
_ORDER_TALK: Final = _CUE_WORDS | {"orders"}
# the customer introduces the order number but it could not be read: it may come next
_ORDER_INTRO_RE: Final = re.compile(r"\border[ \t]+(?:number|no\b|id|ref(?:erence)?)", re.I)
_ORDER_SENTENCE_RE: Final = re.compile(r"\border(?:s|'s)?\b", re.IGNORECASE)
_SPACED_CAPS_RE: Final = re.compile(r"[A-Z](?:[ \t]*,?[ \t]+[A-Z])+[ \t,]*\d")
# Bare shapes, each starting with a digit, '#' or capital so the scan is fast.
_GROUPED_RE: Final = re.compile(r"\d{2,4}-\d{5,8}-\d{5,8}")
_HASH_RE: Final = re.compile(r"#[ \t]?(?P<id>[A-Za-z]{0,4}\d[A-Za-z0-9-]{3,})\b")
_PREFIXED_RE: Final = re.compile(r"(?:ORD|ORDER|OD|AMZ)[-#]?\d[A-Z0-9-]{3,}\b")
_SPOKEN_GROUPED_RE: Final = re.compile(r"\d{3}[ ,]+\d{7}[ ,]+\d{7}")
_NOT_ORDER_BEFORE_RE: Final = re.compile(
    r"\b(?:tracking|awb|transaction|trans|invoice|ref(?:erence)?|booking|reservation|pnr"
    r"|account|a/c|phone|mobile|card|upi|ticket|complaint|sku|model|item code|zip|pin|pincode"
    r"|postcode|postal code)\b[^.!?]{0,15}$",
    re.IGNORECASE,
)
_ANSWER_RE: Final = re.compile(
    rf"(?<![\w-])#?[ \t]?(?P<id>{PREFIXED_RE.pattern}|{_GROUPED}|\d{{6,20}}"
    r"|(?=[A-Za-z0-9-]*\d{4})[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])"
)
_UNIT_END_RE: Final = re.compile(r"(?:gb|mb|tb|kg|rs|inr|mm|cm|hz|mah|w)$", re.IGNORECASE)
DATE_LIKE_RE: Final = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$|^\d{1,2}(?:st|nd|rd|th)$|^\d{1,2}(?:am|pm)$", re.I
)
_MASKED_RE: Final = re.compile(r"([A-Za-z*])\1\1")
_MONEY_AFTER_RE: Final = re.compile(
    r"[ \t]*(?:rupees|rs\b|inr\b|dollars|usd\b|bucks|/-|%|am\b|pm\b|hours|days)", re.I
)
_MONEY_BEFORE_RE: Final = re.compile(r"(?:[$₹€£]|\brs\.?|\binr)[ \t]*$", re.IGNORECASE)
_POSTCODE_RE: Final = re.compile(r"[A-Z]{2}[ \t]+\d{5,6}")
_ADDRESS_BEFORE_RE: Final = re.compile(
    r"(?:(?i:\b(?:in|at|to|address|city|street|st|road|rd|avenue|ave|lane|drive)\b)[^.!?\d]{0,30}"
    r"|\b[A-Z][a-z]+,[ \t]*)$"  # "..., Boston, MA 02116"
)
_MIN_PREFIXED_DIGITS: Final = 5  # store order numbers; shorter prefixed codes are SKUs/refs
_PENDING_TURNS: Final = 3  # turns after the agent's order question that may carry the id


def alnum(raw: str) -> str:
    """The letters and digits of `raw`."""
    return re.sub(r"[^A-Za-z0-9]", "", raw)


def plausible(raw: str, text: str, start: int, end: int) -> bool:
    """An id, not a date, time, amount, masked placeholder or stray word."""
    chars = alnum(raw)
    digits = sum(c.isdigit() for c in chars)
    if len(chars) < 5 or digits == 0 or DATE_LIKE_RE.match(raw) or _MASKED_RE.search(raw):
        return False
    if chars.isdigit() and len(chars) > 20:
        return False
    if _MONEY_AFTER_RE.match(text, end) or _MONEY_BEFORE_RE.search(text, max(0, start - 8), start):
        return False
    return digits >= 2 or len(chars) >= 6


def order_value(raw: str) -> str:
    """Normalise an order id as the store writes it."""
    raw = raw.replace("–", "-").strip().lstrip("#").strip()
    groups = re.split(r"[ \t,]*-[ \t,]*|[ \t,]+", raw)
    if len(groups) == 3 and all(g.isdigit() for g in groups):
        return "-".join(groups)
    value = re.sub(r"[\s#,]", "", raw).upper()
    if value.isdigit() and len(value) == 17:
        return f"{value[:3]}-{value[3:10]}-{value[10:]}"  # 3-7-7, read without pauses
    return value


def _value(turn: TurnView, start: int, end: int) -> tuple[str, bool]:
    """The id at [start, end) of the written text as the store writes it, and whether
    the caller wrote or read it as written (rather than spelling and speaking it)."""
    raw = turn.text[start:end]
    written = not turn.spoken.is_spoken(start, end)
    code = raw.lstrip("#").strip()
    shape = PREFIXED_RE.fullmatch(code) if code[:1].isupper() else None
    if shape is None:
        return order_value(raw), written
    value = prefixed_value(shape["letters"], shape["digits"], raw if written else None)
    return value, written


def _bounded(text: str, start: int, end: int) -> bool:
    """Not part of a longer word or dashed run."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-_" or after.isalnum() or after in "-_")


def _store_ref(m: re.Match[str]) -> bool:
    """A prefixed match long enough to be an order number, with a store-like prefix, and
    not a state and postcode ("Boston, MA 02116", "shipped to TN 600042")."""
    digits = sum(c.isdigit() for c in m["digits"])
    if digits < _MIN_PREFIXED_DIGITS or not usable_prefix(m["letters"]):
        return False
    start = m.start("letters")
    shape = m.string[start : m.end("digits")]
    return not (_POSTCODE_RE.fullmatch(shape) and _ADDRESS_BEFORE_RE.search(m.string, 0, start))


def _bare_matches(turn: TurnView) -> list[tuple[str, re.Match[str]]]:
    """Order-id shapes said with no cue, each regex run only when its telltale is there."""
    if turn.digits < 5:
        return []
    text = turn.text
    found: list[tuple[str, re.Match[str]]] = []
    if "-" in text:
        found += [("grouped", m) for m in _GROUPED_RE.finditer(text)]
    if "#" in text:
        found += [("hash", m) for m in _HASH_RE.finditer(text)]
    if "OD" in text or "ORD" in text or "AMZ" in text:
        found += [("prefixed", m) for m in _PREFIXED_RE.finditer(text)]
    if turn.spoken.changed:
        found += [("spoken", m) for m in _SPOKEN_GROUPED_RE.finditer(text)]
    return found


def _cued(turn: TurnView, scan: Mentions, taken: list[tuple[int, int]]) -> None:
    text = turn.text
    cue_conf = CUED if turn.is_customer else READBACK
    # the cue regex runs on the lower-cased written form (same offsets; ids are upper-cased)
    cues = [_ORDER_CUE_RE] if turn.has(("order", "order's")) else []
    if "subscription" in turn.words:
        cues.append(_SUBSCRIPTION_CUE_RE)
    for m in (m for cue in cues for m in cue.finditer(turn.wlow)):
        raw, s, e = m.group("id"), m.start("id"), m.end("id")
        if raw[1:2].isspace():
            if not turn.spoken.is_spoken(s, e):
                continue  # "A 12345" only when the digits were spoken
            if raw[2:3].isalpha() and not _SPACED_CAPS_RE.match(text, s):
                continue  # "H H 100234": spelled letters are written as capitals
        elif raw[:1].isalpha() and " " in raw:
            letters = raw.split()[0]
            if not text[s : s + len(letters)].isupper() or not usable_prefix(letters):
                continue  # "AB 12345", not "rs 12000"
        if plausible(raw, text, s, e):
            scan.add(turn, cue_conf, m.start(), s, e)
            taken.append((s, e))


def _bare(turn: TurnView, scan: Mentions, taken: list[tuple[int, int]]) -> None:
    text = turn.text
    for kind, m in _bare_matches(turn):
        s, e = m.span("id") if kind == "hash" else m.span()
        if any(a < e and s < b for a, b in taken) or not _bounded(text, s, e):
            continue
        if kind == "spoken" and not turn.spoken.is_spoken(s, e):
            continue
        if _NOT_ORDER_BEFORE_RE.search(text, max(0, s - 40), s):
            continue
        if not plausible(text[s:e], text, s, e):
            continue
        conf = (BARE + 0.05 if kind == "prefixed" else BARE) - (0 if turn.is_customer else 0.05)
        scan.add(turn, conf, m.start(), s, e)
        taken.append((s, e))


def _in_context(
    turn: TurnView, scan: Mentions, taken: list[tuple[int, int]], pending: bool
) -> None:
    """Prefixed store references said about an order: the first one while the agent's
    order question is still open, or any in a sentence that mentions an order."""
    text = turn.text
    for m in PREFIXED_RE.finditer(text):
        s, e = m.span()
        if any(a < e and s < b for a, b in taken) or not _store_ref(m):
            continue
        if _NOT_ORDER_BEFORE_RE.search(text, max(0, s - 40), s):
            continue
        if not plausible(m.group(), text, s, e):
            continue
        if pending:
            scan.add(turn, ANSWER - 0.05 if turn.is_customer else READBACK, s, s, e)
            return
        if not _ORDER_SENTENCE_RE.search(_sentence(text, s, e)):
            continue
        scan.add(turn, BARE + 0.05 if turn.is_customer else BARE, s, s, e)
        taken.append((s, e))


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of `text` around [start, end)."""
    first = max(text.rfind(c, 0, start) for c in ".?!") + 1
    ends = [i for i in (text.find(c, end) for c in ".?!") if i >= 0]
    return text[first : min(ends, default=len(text))]


def _answer(turn: TurnView, scan: Mentions) -> None:
    """The id that answers the agent's question about the order, near the turn's start."""
    text = turn.text
    answer = _ANSWER_RE.search(text)
    if not answer or answer.start() >= 80:
        return
    raw, s, e = answer.group("id"), answer.start("id"), answer.end("id")
    if answer.group("letters") is not None and not _store_ref(answer):
        return
    if _NOT_ORDER_BEFORE_RE.search(text, max(0, s - 40), s):
        return  # "Trans id is ...": the answer names another kind of number
    if plausible(raw, text, s, e) and not _UNIT_END_RE.search(raw):
        scan.add(turn, ANSWER, s, s, e)


def _introduces_order(turn: TurnView) -> bool:
    """The customer starts to give the order number ("the order number is ...")."""
    return turn.has(_CUE_WORDS) and bool(_ORDER_INTRO_RE.search(turn.text))


def _asks(turn: TurnView, cache: dict[int, bool]) -> bool:
    """`asks_order`, remembered per turn."""
    known = cache.get(turn.index)
    if known is None:
        known = cache[turn.index] = asks_order(turn)
    return known


def _pending(view: CallView, turn: TurnView, last_found: int, cache: dict[int, bool]) -> bool:
    """The order number was asked for (or begun by the customer) in one of the few
    turns before this one, and no order id has been found since."""
    first = max(last_found + 1, turn.index - _PENDING_TURNS)
    for i in range(turn.index - 1, first - 1, -1):
        before = view.turns[i]
        if before.is_agent and _asks(before, cache):
            return True
        if before.is_customer and _introduces_order(before):
            return True
    return False


def find_order_ids(t: Transcript | CallView) -> list[Extracted[str]]:
    """Order ids said in the call, the most relevant (most confident, then first) first.

    The customer's own statement is the evidence when there is one; an id only the
    agent reads back is kept with lower confidence.
    """
    view = view_of(t)
    scan = Mentions(_value, "rule:order_id")
    asks: dict[int, bool] = {}  # agent turns that ask for the order, worked out on demand
    last_found = -1  # the last turn in which an order id was found
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent) or not turn.digits:
            continue
        before = len(scan.cands)
        taken: list[tuple[int, int]] = []
        _cued(turn, scan, taken)
        _bare(turn, scan, taken)
        prev = view.asked_before(turn) if turn.is_customer else None
        if len(scan.cands) == before and prev is not None and _asks(prev, asks):
            _answer(turn, scan)
        if turn.digits >= _MIN_PREFIXED_DIGITS and may_hold_prefixed(turn.text):
            if len(scan.cands) == before and _pending(view, turn, last_found, asks):
                _in_context(turn, scan, taken, pending=True)
            elif turn.has(_ORDER_TALK):
                _in_context(turn, scan, taken, pending=False)
        if len(scan.cands) > before:
            last_found = turn.index
    return rank(settled(view, scan.cands, scan.written, _MIN_PREFIXED_DIGITS))

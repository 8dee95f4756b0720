"""Order ids, SKUs and booking references: the exact values a store can look up.

Values are normalised as the store writes them: digits, letters and dashes kept,
'#' and spaces dropped, letters upper-case ("#a12345" → "A12345", "four oh three,
one two three four five six seven, ..." → "403-1234567-..."). A bare number is an
order id only when it is introduced as one; phone numbers, amounts, dates and
times never are.
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.view import (
    ANSWER,
    BARE,
    CUED,
    READBACK,
    CallView,
    Candidate,
    TurnView,
    candidate,
    rank,
    view_of,
)
from callhandoff.schema import Extracted, Transcript

__all__ = ["find_booking_ids", "find_order_ids", "find_skus"]

_GAP: Final = r"(?:[ \t]*[-–][ \t]*|,?[ \t]+)"
_GROUPED: Final = rf"\d{{2,4}}{_GAP}\d{{5,8}}{_GAP}\d{{5,8}}"
_CODE: Final = r"(?=[A-Za-z0-9/–-]*\d)[A-Za-z0-9]+(?:[-–/][A-Za-z0-9]+)*"
_FILL: Final = (
    r"(?:[ \t]*(?:[:#=]|-(?![A-Za-z0-9])|\b(?:is|was|number|num|no|id|with|it's|its)\b\.?))*"
)
_FILLER_WORDS: Final = (
    r"supposedly|actually|basically|probably|like|um+|uh+|er+|hm+|just|again|here"
)
_FREE: Final = rf"(?P<free>(?:[ \t,]+(?:{_FILLER_WORDS})\b[,.]*){{0,2}})"
_ORDER_CUE_RE: Final = re.compile(
    rf"\border(?:[ \t]*(?:id|no\.?|num(?:ber)?|#|ref(?:erence)?))?{_FILL}{_FREE}[ \t]*#?[ \t]*"
    rf"(?P<id>{_GROUPED}|{_CODE}|[a-z][ \t]+\d{{4,12}})(?![\w-])",
)
# Bare shapes, each starting with a digit, '#' or capital so the scan is fast.
_GROUPED_RE: Final = re.compile(r"\d{2,4}-\d{5,8}-\d{5,8}")
_HASH_RE: Final = re.compile(r"#[ \t]?(?P<id>[A-Za-z]{0,4}\d[A-Za-z0-9-]{3,})\b")
_PREFIXED_RE: Final = re.compile(r"(?:ORD|ORDER|OD|AMZ)[-#]?\d[A-Z0-9-]{3,}\b")
_SPOKEN_GROUPED_RE: Final = re.compile(r"\d{3}[ ,]+\d{7}[ ,]+\d{7}")
_NOT_ORDER_BEFORE_RE: Final = re.compile(
    r"\b(?:tracking|awb|transaction|trans|invoice|ref(?:erence)?|booking|reservation|pnr"
    r"|account|a/c|phone|mobile|card|upi|ticket|complaint|sku|model|item code)\b[^.!?]{0,15}$",
    re.IGNORECASE,
)
_ASK: Final = (
    r"\b(?:provide|confirm|share|give|tell|have|need|specify|mention|send|know|what(?:'s| is)"
    r"|which|may i|can i get)\b"
)
_ASKS_ORDER_RE: Final = re.compile(
    rf"{_ASK}[^.?!]{{0,40}}\border[ \t]*(?:id|number|no\b|#)[^.?!]{{0,30}}\?", re.IGNORECASE
)
_ASKS_OTHER_RE: Final = re.compile(r"\b(?:phone|mobile|e-?mail|tracking|contact)\b", re.I)
_ANSWER_RE: Final = re.compile(
    rf"(?<![\w-])#?[ \t]?(?P<id>{_GROUPED}|\d{{6,20}}"
    r"|(?=[A-Za-z0-9-]*\d{4})[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?![\w-])"
)
_UNIT_END_RE: Final = re.compile(r"(?:gb|mb|tb|kg|rs|inr|mm|cm|hz|mah|w)$", re.IGNORECASE)
_DATE_LIKE_RE: Final = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$|^\d{1,2}(?:st|nd|rd|th)$|^\d{1,2}(?:am|pm)$", re.I
)
_MONEY_AFTER_RE: Final = re.compile(
    r"[ \t]*(?:rupees|rs\b|inr\b|dollars|usd\b|bucks|/-|%|am\b|pm\b|hours|days)", re.I
)
_MONEY_BEFORE_RE: Final = re.compile(r"(?:[$₹€£]|\brs\.?|\binr)[ \t]*$", re.IGNORECASE)

_SKU_RE: Final = re.compile(
    r"\b(?P<whole>sku-[a-z0-9]+(?:-[a-z0-9]+)*)\b"
    r"|\b(?P<cue>sku|item[ \t]+code|product[ \t]+(?:code|id)|item[ \t]+(?:id|no\.?|number)"
    r"|(?P<weak>model[ \t]+(?:no\.?|number|#|code)|part[ \t]+(?:no\.?|number)"
    r"|article[ \t]+(?:no\.?|number)|style[ \t]+code))"
    r"(?:[ \t]*(?:[:#=]|-(?![A-Za-z0-9])|\b(?:is|was|it's|its)\b))*[ \t]*"
    r"(?P<code>(?=[A-Za-z0-9/-]*[\d-])[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)(?![\w-])",
)
_ASKS_SKU_RE: Final = re.compile(
    rf"{_ASK}[^.?!]{{0,40}}\b(?:sku|item code|product code|model(?: number| no)?|part number)\b"
    r"[^.?!]{0,60}\?",
    re.IGNORECASE,
)
_MODEL_CODE_RE: Final = re.compile(
    r"(?<![\w-])(?P<code>(?=[A-Za-z0-9/-]*\d)(?=[A-Za-z0-9/-]*[A-Za-z])"
    r"[A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)(?![\w-])"
)

_SKU_WORDS: Final = frozenset(("sku", "item", "product", "model", "part", "article", "style"))
_BOOKING_WORDS: Final = frozenset(("booking", "reservation", "appointment", "pnr", "confirmation"))
_BOOKING_RE: Final = re.compile(
    r"\b(?P<cue>booking|reservation|appointment|pnr|confirmation)"
    r"(?P<kind>[ \t]*(?:id|no\.?|number|code|ref(?:erence)?|#))?"
    rf"{_FILL}[ \t]*#?[ \t]*(?P<id>{_CODE})(?![\w-])",
)


def _alnum(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", raw)


def _plausible(raw: str, text: str, start: int, end: int) -> bool:
    """An id, not a date, time, amount or stray word."""
    alnum = _alnum(raw)
    digits = sum(c.isdigit() for c in alnum)
    if len(alnum) < 5 or digits == 0 or _DATE_LIKE_RE.match(raw):
        return False
    if alnum.isdigit() and len(alnum) > 20:
        return False
    if _MONEY_AFTER_RE.match(text, end) or _MONEY_BEFORE_RE.search(text, max(0, start - 8), start):
        return False
    return digits >= 2 or len(alnum) >= 6


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


def _bounded(text: str, start: int, end: int) -> bool:
    """Not part of a longer word or dashed run."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-_" or after.isalnum() or after in "-_")


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


def _order_candidates(turn: TurnView, asked: bool) -> list[Candidate]:
    text = turn.text
    found: list[Candidate] = []
    taken: list[tuple[int, int]] = []
    cue_conf = CUED if turn.is_customer else READBACK
    # the cue regex runs on the lower-cased written form (same offsets; ids are upper-cased)
    cue_matches = _ORDER_CUE_RE.finditer(turn.wlow) if "order" in turn.words else iter(())
    for m in cue_matches:
        raw, s, e = m.group("id"), m.start("id"), m.end("id")
        if raw[1:2].isspace() and not turn.spoken.is_spoken(s, e):
            continue  # "A 12345" only when the digits were spoken
        if _plausible(raw, text, s, e):
            found.append(candidate(order_value(raw), cue_conf, turn, m.start(), e, "rule:order_id"))
            taken.append((s, e))
    for kind, m in _bare_matches(turn):
        s, e = m.span("id") if kind == "hash" else m.span()
        if any(a < e and s < b for a, b in taken) or not _bounded(text, s, e):
            continue
        if kind == "spoken" and not turn.spoken.is_spoken(s, e):
            continue
        if _NOT_ORDER_BEFORE_RE.search(text, max(0, s - 40), s):
            continue
        if not _plausible(text[s:e], text, s, e):
            continue
        conf = (BARE + 0.05 if kind == "prefixed" else BARE) - (0 if turn.is_customer else 0.05)
        value = order_value(text[s:e])
        found.append(candidate(value, conf, turn, m.start(), e, "rule:order_id"))
        taken.append((s, e))
    if asked and not found:
        answer = _ANSWER_RE.search(text)
        if answer and answer.start() < 80:
            raw, s, e = answer.group("id"), answer.start("id"), answer.end("id")
            if _plausible(raw, text, s, e) and not _UNIT_END_RE.search(raw):
                found.append(candidate(order_value(raw), ANSWER, turn, s, e, "rule:order_id"))
    return found


def find_order_ids(t: Transcript | CallView) -> list[Extracted[str]]:
    """Order ids said in the call, the most relevant (most confident, then first) first.

    The customer's own statement is the evidence when there is one; an id only the
    agent reads back is kept with lower confidence.
    """
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent):
            continue
        prev = view.asked_before(turn) if turn.is_customer and turn.digits else None
        asked = (
            prev is not None
            and "order" in prev.words
            and "?" in prev.text
            and bool(_ASKS_ORDER_RE.search(prev.text) and not _ASKS_OTHER_RE.search(prev.text))
        )
        if turn.digits:
            cands.extend(_order_candidates(turn, asked))
    return rank(cands)


def _sku_value(raw: str) -> str:
    return re.sub(r"\s+", "", raw).upper()


def _plausible_sku(code: str) -> bool:
    alnum = _alnum(code)
    if len(alnum) < 4 or _DATE_LIKE_RE.match(code):
        return False
    if any(c.isdigit() for c in alnum):
        return True
    parts = [p for p in re.split(r"[-/]", code) if p]
    return len(parts) >= 2 and all(len(p) >= 2 for p in parts)


def find_skus(t: Transcript | CallView) -> list[Extracted[str]]:
    """Explicit SKU / item / product codes (not product names), most confident first.

    A model number counts when it is introduced as one or answers the agent's
    request for it, and then only when it looks like a code ("HR2051/00").
    """
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent):
            continue
        found_here = False
        sku_matches = _SKU_RE.finditer(turn.wlow) if turn.has(_SKU_WORDS) else iter(())
        for m in sku_matches:
            if m.group("whole"):
                value, end = m.group("whole"), m.end("whole")
            else:
                value, end = m.group("code"), m.end("code")
                if not _plausible_sku(value):
                    continue
            conf = CUED if turn.is_customer else READBACK
            if m.group("weak"):
                conf -= 0.15
            cands.append(candidate(_sku_value(value), conf, turn, m.start(), end, "rule:sku"))
            found_here = True
        prev = view.asked_before(turn) if turn.is_customer and turn.digits >= 2 else None
        if (
            not found_here
            and prev is not None
            and prev.has(_SKU_WORDS)
            and _ASKS_SKU_RE.search(prev.text)
        ):
            for m in _MODEL_CODE_RE.finditer(turn.text):
                code = m.group("code")
                alnum = _alnum(code)
                if len(alnum) >= 5 and sum(c.isdigit() for c in alnum) >= 2:
                    if not _plausible(code, turn.text, m.start(), m.end()):
                        continue
                    cands.append(
                        candidate(
                            _sku_value(code), BARE + 0.05, turn, m.start(), m.end(), "rule:sku"
                        )
                    )
                    break
    return rank(cands)


def find_booking_ids(t: Transcript | CallView) -> list[Extracted[str]]:
    """Booking, reservation, appointment, PNR and confirmation references."""
    view = view_of(t)
    cands: list[Candidate] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent) or not turn.digits:
            continue
        if not turn.has(_BOOKING_WORDS):
            continue
        for m in _BOOKING_RE.finditer(turn.wlow):
            raw, s, e = m.group("id"), m.start("id"), m.end("id")
            if not _plausible(raw, turn.wlow, s, e):
                continue
            conf = CUED if turn.is_customer else READBACK
            if m.group("cue").lower() == "confirmation":
                conf -= 0.15
            elif not m.group("kind"):
                conf -= 0.05
            cands.append(candidate(order_value(raw), conf, turn, m.start(), e, "rule:booking_id"))
    return rank(cands)

"""Amounts of money said in the call: "$49.99", "Rs. 2,499/-", "₹1,299", "forty nine
dollars", "EUR 20", "2499 rupees", "1.5 lakh rupees". A number is money only when a
currency is written or said with it; the currency is an ISO 4217 code.
"""

from __future__ import annotations

import re
from typing import Final

from callhandoff.extractors.view import CallView, extracted, view_of
from callhandoff.schema import Extracted, Money, Transcript

__all__ = ["find_amounts"]

# Numbers first (a fast digit scan), then the currency just before or after each one.
_NUMBER_RE: Final = re.compile(r"\d{1,3}(?:,\d{2,3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?")
_PREFIX_RE: Final = re.compile(r"(?<![\w$₹€£])(?P<pre>us\$|\$|₹|€|£|rs\.?|inr|usd|eur|gbp)[ \t]*$")
_SCALE_RE: Final = re.compile(
    r"[ \t]*(?P<scale>k\b|lakhs?\b|lacs?\b|crores?\b|thousand\b|million\b|mn\b)"
)
_SUFFIX_RE: Final = re.compile(
    r"[ \t]*(?P<suf>dollars?|bucks|rupees?|rs\b\.?|inr\b|usd\b|euros?|eur\b"
    r"|pounds?\b(?![ \t]+of\b)|gbp\b|quid|/-|cents?\b|paise\b)"
)
_CENTS_RE: Final = re.compile(r"[ \t]+and[ \t]+(?P<c>\d{1,2})[ \t]+cents?\b")
_CURRENCY: Final = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "cent": "USD",
    "₹": "INR",
    "rs": "INR",
    "inr": "INR",
    "rupee": "INR",
    "paise": "INR",
    "/-": "INR",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "quid": "GBP",
}
_SCALES: Final = {
    "k": 1_000,
    "thousand": 1_000,
    "lakh": 100_000,
    "lac": 100_000,
    "crore": 10_000_000,
    "million": 1_000_000,
    "mn": 1_000_000,
}
_CURRENCY_WORDS: Final = frozenset((
    "rs", "inr", "usd", "eur", "gbp", "dollar", "dollars", "buck", "bucks", "rupee", "rupees",
    "euro", "euros", "pound", "pounds", "quid", "cent", "cents", "paise", "us$",
))  # fmt: skip
_SYMBOLS: Final = ("$", "₹", "€", "£", "/-")
_ATTACHED_RE: Final = re.compile(r"\d[ \t]*(?:rs|inr|usd|eur|gbp|k)\b|(?:rs|inr)\d")
_CUSTOMER_CONF: Final = 0.9
_AGENT_CONF: Final = 0.85


def _code(symbol: str) -> str | None:
    key = symbol.lower().rstrip(".")
    if key.endswith("s") and key not in {"rs", "bucks", "paise"}:
        key = key[:-1]
    return _CURRENCY.get(key)


def _amount(text: str, m: re.Match[str]) -> tuple[float, str | None, int, int] | None:
    """(amount, currency, start, end) when the number `m` is money, else None."""
    start, end = m.start(), m.end()
    pre = _PREFIX_RE.search(text, max(0, start - 6), start)
    if not pre and start and (text[start - 1] in ".,-/" or text[start - 1].isalnum()):
        return None
    amount = float(m.group().replace(",", ""))
    scale = _SCALE_RE.match(text, end)
    if scale:
        amount *= _SCALES[scale.group("scale").rstrip("s")]
        end = scale.end()
    suf = None if pre else _SUFFIX_RE.match(text, end)
    if pre:
        symbol, start = pre.group("pre"), pre.start()
    elif suf:
        symbol, end = suf.group("suf"), suf.end()
    else:
        return None
    if symbol.startswith(("cent", "paise")):
        amount /= 100
    if suf and symbol.startswith(("dollar", "euro", "pound", "rupee")):
        cents = _CENTS_RE.match(text, end)
        if cents:
            amount += int(cents.group("c")) / 100
            end = cents.end()
    return round(amount, 2), _code(symbol), start, end


def find_amounts(t: Transcript | CallView) -> list[Extracted[Money]]:
    """Every amount with a currency, in call order; a repeat of the same amount keeps the
    customer's mention as the evidence."""
    view = view_of(t)
    seen: dict[tuple[float, str | None], int] = {}
    out: list[Extracted[Money]] = []
    for turn in view.turns:
        if not (turn.is_customer or turn.is_agent):
            continue
        text = turn.text
        if not turn.digits or not (
            turn.has(_CURRENCY_WORDS)
            or any(symbol in text for symbol in _SYMBOLS)
            or _ATTACHED_RE.search(turn.low)
        ):
            continue
        consumed = 0
        for m in _NUMBER_RE.finditer(turn.wlow):  # lower-cased written form, same offsets
            parsed = _amount(turn.wlow, m) if m.start() >= consumed else None
            if parsed is None:
                continue
            amount, currency, start, end = parsed
            consumed = end
            conf = _CUSTOMER_CONF if turn.is_customer else _AGENT_CONF
            if turn.spoken.is_spoken(start, end):
                conf -= 0.05
            item = extracted(
                Money(amount=amount, currency=currency), conf, turn, start, end, "rule:money"
            )
            if item is None:
                continue
            key = (amount, currency)
            if key in seen:
                prev = out[seen[key]]
                if turn.is_customer and view.turns[prev.evidence.turn].is_agent:
                    out[seen[key]] = item
                continue
            seen[key] = len(out)
            out.append(item)
    return out

"""Finding the secrets said in one piece of speech: where they are and what kind they are.

Secrets are card numbers (13-19 digits passing Luhn), CVVs, one-time codes, PINs,
passwords and passcodes, security answers and ID numbers (SSN, bank account,
passport, Aadhaar). Each is found written ("583920", "Hunter2"), spoken ("five
eight three nine two zero") or spelled ("H U N T E R two", "H as in hotel, u,
n ...") through `extractors.spoken.normalize`, which keeps the map back to the
words actually said, so the mask covers exactly those words.

Two ways to find one: a cue in the same sentence ("the code you texted me was
...", "... as the secret", "my PIN is ..."), or an answer to a question that
asked for one ("What's the code we sent you?" / "It's 583920."), which is the
`asked_for` + `answer_spans` pair the transcript stage uses across turns.
Order ids, phone numbers, e-mails and postal PIN codes are not secrets and stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from callhandoff.extractors.spoken import SpokenText, digit_count, normalize, words_of
from callhandoff.normalize import luhn_ok
from callhandoff.redaction.masks import MASK_RE, SecretKind

_DIGITS: Final = r"(?<![\w-])\d(?:[ -]?\d){2,9}(?![\w-])"
_GAP: Final = r"[^\d.!?\n]{0,40}?"

_CVV_CUE: Final = (
    r"cvv2?|cvc2?|security code|card (?:verification|security) (?:code|value)"
    r"|(?:3|three)[- ]digit (?:code|number)|code on the back"
)
_OTP_CUE: Final = (
    r"otp|one[- ]time (?:pass(?:word|code)|code|pin)|verification code"
    r"|authenti(?:cation|cator) code"
    r"|2fa code|two[- ]factor code|login code|sms code|security pin|access code"
    r"|code (?:that )?(?:you|they|i|we)(?: just)? (?:texted|sent|emailed|messaged|got|received)"
    r"|texted (?:me )?(?:a |the )?code|code (?:in|from) (?:the|your|my) (?:text|sms|message|email)"
)
_PIN_CUE: Final = r"(?:upi |atm |card |debit card |bank )?pin(?: number)?(?![ -]?code)"
_CODE_RE: Final = re.compile(
    rf"\b(?:(?P<cvv>{_CVV_CUE})|(?P<otp>{_OTP_CUE})|(?P<pin>{_PIN_CUE}))\b{_GAP}(?P<v>{_DIGITS})",
    re.IGNORECASE,
)
_PASSWORD_CUE: Final = r"password|pass word|passcode|passphrase|pwd|secret(?: word| phrase)?"
_IS: Final = r"(?:\s*(?:is|was|'s|’s|:|=|would be|should be|will be|is just|it's|it is))+\s*"
_PASSWORD_RE: Final = re.compile(
    rf"\b(?:{_PASSWORD_CUE})\b{_IS}(?:(?:like|just|simply|actually)\s+)?(?P<v>\S+)", re.IGNORECASE
)
_PASSWORD_TO_RE: Final = re.compile(
    rf"\b(?:set|change|changed|reset|update|updated|made|make)\s+(?:my\s+|the\s+|our\s+)?"
    rf"(?:{_PASSWORD_CUE})\s+(?:to|as|into)\s+(?P<v>\S+)",
    re.IGNORECASE,
)
_PASSWORD_AFTER_RE: Final = re.compile(
    rf"(?<!\S)(?P<v>\S{{3,64}}?)[,.]?\s+(?:is|as|was)\s+(?:the|my|our)\s+(?:{_PASSWORD_CUE})\b",
    re.IGNORECASE,
)
_ANSWER_CUE: Final = (
    r"(?:mother'?s|mum'?s|mom'?s|mothers|moms)? ?maiden name"
    r"|(?:first|childhood|favou?rite) (?:pet|dog|cat|car|school|teacher|street|book|food)'?s?"
    r"(?: name)?"
    r"|name of (?:my|your|the) first (?:pet|dog|cat|school|car|teacher)"
    r"|memorable (?:word|place|date|name)|security (?:answer|word)|secret (?:answer|question)"
    r"|answer to (?:my|the|your) security question|city (?:i|you) (?:was|were) born in"
    r"|place of birth"
)
_ANSWER_RE: Final = re.compile(
    rf"\b(?:{_ANSWER_CUE})\b{_IS}(?P<v>[^.!?,;\n]{{1,40}}?)(?=\s+(?:and|but|so)\b|[.!?,;\n]|$)",
    re.IGNORECASE,
)
_ID_RE: Final = re.compile(
    r"\b(?:(?:bank )?account (?:number|no\.?|#)|a/c(?: number| no\.?)?|aadhaa?r(?: number| no\.?)?"
    r"|ssn|social security(?: number)?|passport (?:number|no\.?)|pan(?: card)? (?:number|no\.?))"
    r"(?:\s*(?:is|was|'s|:|=|-))*\s*(?P<v>\d(?:[ -]?\d){5,19}|[A-Z]{1,5}\d[A-Z0-9]{4,15})\b",
    re.IGNORECASE,
)
_CARD_RE: Final = re.compile(r"(?<![\w-])\d(?:[ \t-]?\d){12,18}(?![\w-])")
_ORDER_SHAPE_RE: Final = re.compile(r"^\d{2,4}[ -]\d{5,8}[ -]\d{5,8}$")
_ORDER_BEFORE_RE: Final = re.compile(
    r"\b(?:order|tracking|awb|transaction|txn|ref(?:erence)?|invoice|id|phone|number is)\b"
    r"[^.!?\d]{0,20}$",
    re.IGNORECASE,
)
_SPELLED_RUN_RE: Final = re.compile(
    r"(?:[A-Za-z0-9](?: (?:as in|for|like) [A-Za-z]+)?|capital [A-Za-z])"
    r"(?:(?:\s*[,-]\s*|\s+)(?:[A-Za-z0-9](?: (?:as in|for|like) [A-Za-z]+)?|capital [A-Za-z]))+",
)
_NOT_A_VALUE: Final = frozenset(
    """not wrong incorrect invalid correct working expired the my your a an same reset changed
    blocked locked fine ok okay already being also still too very so just never forgotten
    forgot lost weak strong short long case sensitive required needed protected different new
    old that this it what which and or but for to in on at of because if when please there here
    something nothing anything easy hard simple compromised stolen leaked saved stored sent
    asking asked needed set setup gone missing fixed broken""".split()
)
# prefilters: sets of words, several times faster than any regex over every turn
_WORD_CUES: Final = frozenset(
    """password passwords passcode passphrase pass pwd secret maiden memorable pet pets pet's
    born birth favourite favorite""".split()
)
_NUMBER_CUES: Final = frozenset(
    """cvv cvv2 cvc cvc2 code codes otp pin ssn social account acc aadhaar aadhar passport pan
    card security 2fa""".split()
)
_NUMBER_WORDS: Final = frozenset(
    "zero oh one two three four five six seven eight nine double triple".split()
)
_DIGITISH: Final = re.compile(
    r"\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple)\b"
)
_TRAIL: Final = ".,!?;:\"')]}’”"
_LEAD: Final = "\"'([{‘“"


@dataclass(frozen=True, slots=True)
class SecretSpan:
    """A secret at [start, end) of the original text; `last4` for cards."""

    start: int
    end: int
    kind: SecretKind
    last4: str | None = None


def may_hold_secret(text: str, words: frozenset[str] | None = None) -> bool:
    """A cheap test: False means `find_secrets(text)` finds nothing. Words need a cue
    (password, maiden name, ...); numbers need a cue (code, PIN, card, ...) or 13 digits."""
    words = words_of(text.lower()) if words is None else words
    if not words.isdisjoint(_WORD_CUES):
        return True
    digits = digit_count(text)
    if not digits and words.isdisjoint(_NUMBER_WORDS):
        return False
    if not words.isdisjoint(_NUMBER_CUES) or "a/c" in text.lower() or digits >= 13:
        return True
    return len(_DIGITISH.findall(text.lower())) >= 13


#: Text longer than this is searched sentence by sentence (memory stays flat on any size).
PIECE_CHARS: Final = 4_000


def pieces(text: str, size: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """`text` as (offset, piece) of at most about `size` characters, cut after a sentence
    when one ends in the last quarter of the piece, else at a space, else anywhere."""
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start + size * 3 // 4 : end]
            cut = max(
                window.rfind(". "), window.rfind("? "), window.rfind("! "), window.rfind("\n")
            )
            if cut < 0:
                cut = window.rfind(" ")
            if cut >= 0:
                end = start + size * 3 // 4 + cut + 1
        out.append((start, text[start:end]))
        start = end
    return out


def find_secrets(text: str) -> list[SecretSpan]:
    """Every secret said in `text` with a cue beside it, or as a card number."""
    if len(text) > PIECE_CHARS:
        return [
            SecretSpan(offset + span.start, offset + span.end, span.kind, span.last4)
            for offset, piece in pieces(text)
            for span in find_secrets(piece)
        ]
    low = text.lower()
    words = words_of(low)
    if not may_hold_secret(text, words):
        return []
    spoken = normalize(text, low=low, words=words)
    written = spoken.text
    found: list[SecretSpan] = []
    if digit_count(written) >= 13:
        found.extend(_cards(spoken))
    if not words.isdisjoint(_CODE_WORDS):
        for m in _CODE_RE.finditer(written):
            kind = (
                SecretKind.CVV
                if m.group("cvv")
                else SecretKind.ONE_TIME_CODE
                if m.group("otp")
                else SecretKind.PIN
            )
            found.append(_span(spoken, m.start("v"), m.end("v"), kind))
    if not words.isdisjoint(_ID_WORDS) or "a/c" in written:
        for m in _ID_RE.finditer(written):
            found.append(_span(spoken, m.start("v"), m.end("v"), SecretKind.ID_NUMBER))
    if not words.isdisjoint(_PASSWORD_WORDS):
        for pattern in (_PASSWORD_RE, _PASSWORD_TO_RE, _PASSWORD_AFTER_RE):
            for m in pattern.finditer(written):
                span = _value_span(spoken, m.start("v"), m.end("v"), SecretKind.PASSWORD)
                if span is not None:
                    found.append(span)
    if not words.isdisjoint(_ANSWER_WORDS):
        for m in _ANSWER_RE.finditer(written):
            span = _value_span(spoken, m.start("v"), m.end("v"), SecretKind.SECURITY_ANSWER)
            if span is not None:
                found.append(span)
    return _outside_masks(text, found)


#: Which words let each group of patterns run (a word of its cue must be in the turn).
_CODE_WORDS: Final = frozenset(
    """cvv cvv2 cvc cvc2 cid security code codes otp pin passcode verification authentication
    authenticator 2fa sms access login one-time""".split()
)
_ID_WORDS: Final = frozenset("account acc aadhaar aadhar ssn social passport pan".split())
_PASSWORD_WORDS: Final = frozenset("password passwords passcode passphrase pass pwd secret".split())
_ANSWER_WORDS: Final = frozenset(
    """maiden pet pets pet's memorable security secret answer born birth favourite favorite
    first childhood""".split()
)


def _outside_masks(text: str, found: list[SecretSpan]) -> list[SecretSpan]:
    """Drop what overlaps a mask already there: redacting twice changes nothing."""
    if not found or "[redacted " not in text:
        return found
    masks = [(m.start(), m.end()) for m in MASK_RE.finditer(text)]
    return [s for s in found if not any(s.start < end and start < s.end for start, end in masks)]


def digit_groups(text: str, kind: SecretKind) -> list[SecretSpan]:
    """Every group of 3+ digits in `text` (written or spoken), as secrets of `kind`:
    the answer to "what's the code we sent you?"."""
    spoken = normalize(text)
    spans: list[SecretSpan] = []
    for m in re.finditer(
        _DIGITS if kind is not SecretKind.CARD else r"\d(?:[ -]?\d){2,}", spoken.text
    ):
        last4 = _last4(kind, re.sub(r"\D", "", m.group()))
        spans.append(_span(spoken, m.start(), m.end(), kind, last4))
    return _outside_masks(text, spans)


def answer_span(text: str, kind: SecretKind) -> SecretSpan | None:
    """The words of an answer to "what's your password / maiden name?": the first clause
    after fillers ("Sure, it's ..."), unless the caller declines."""
    spoken = normalize(text)
    written = spoken.text
    m = _ANSWER_START.match(written)
    start = m.end() if m else 0
    if _DECLINE.match(written, start) or start >= len(written):
        return None
    run = _SPELLED_RUN_RE.match(written, start)
    if run is not None:
        end = run.end()
    else:
        stop = _CLAUSE_END.search(written, start)
        end = stop.start() if stop else len(written)
        end = min(end, start + 80)
    if end <= start:
        return None
    return _span(spoken, start, end, kind)


_ANSWER_START: Final = re.compile(
    r"(?:\s*(?:yes|yeah|yep|sure|ok|okay|right|um+|uh+|er+|so|well|of course|it's|it is|its|that's"
    r"|that is|that would be|it was|i think|the answer is|my answer is|my password is|password is"
    r"|it should be|i believe)\b[\s,.-]*)*",
    re.IGNORECASE,
)
_DECLINE: Final = re.compile(
    r"(?:no\b|nope|i don'?t|i do not|i can'?t|i cannot|i won'?t|i'?d rather|i forgot|not sure"
    r"|i'?m not|why)",
    re.IGNORECASE,
)
_CLAUSE_END: Final = re.compile(r"[.!?;\n]|,\s*(?:and|but|so|can|could|please)\b|\s+(?:and|but)\s")


def _cards(spoken: SpokenText) -> list[SecretSpan]:
    text = spoken.text
    found = []
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if _ORDER_SHAPE_RE.match(m.group()) or not luhn_ok(digits):
            continue
        if _ORDER_BEFORE_RE.search(text, max(0, m.start() - 40), m.start()):
            continue
        found.append(_span(spoken, m.start(), m.end(), SecretKind.CARD, digits[-4:]))
    return found


def _value_span(spoken: SpokenText, start: int, end: int, kind: SecretKind) -> SecretSpan | None:
    """A password or answer value: trailing punctuation trimmed, a spelled run taken whole,
    words that only describe the secret ("not working", "expired") refused."""
    written = spoken.text
    while start < end and written[start] in _LEAD:
        start += 1
    run = _SPELLED_RUN_RE.match(written, start)
    if run is not None and run.end() > end:
        end = run.end()
    value = written[start:end]
    trimmed = value.rstrip(_TRAIL)
    end -= len(value) - len(trimmed)
    first = trimmed.split(" ", 1)[0].lower().strip(_TRAIL)
    if not trimmed or first in _NOT_A_VALUE or trimmed.startswith("["):
        return None
    return _span(spoken, start, end, kind)


def _span(
    spoken: SpokenText, start: int, end: int, kind: SecretKind, last4: str | None = None
) -> SecretSpan:
    src_start, src_end = spoken.to_original(start, end)
    return SecretSpan(src_start, src_end, kind, last4)


def repeats(text: str, secrets: list[tuple[SecretKind, str]]) -> list[SecretSpan]:
    """Other mentions in `text` of secrets already found (a read-back: "664 209, got it").

    `secrets` holds each secret's kind and value: digits only for numbers, else the
    words as said.
    """
    if not secrets:
        return []
    spoken: SpokenText | None = None
    found: list[SecretSpan] = []
    for kind, value in secrets:
        if value.isdigit():
            spoken = spoken or normalize(text)
            pattern = r"(?<![\w-])" + r"[ -]?".join(value) + r"(?![\w-])"
            for m in re.finditer(pattern, spoken.text):
                found.append(_span(spoken, m.start(), m.end(), kind, _last4(kind, value)))
        else:
            for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text, re.IGNORECASE):
                found.append(SecretSpan(m.start(), m.end(), kind))
    return _outside_masks(text, found)


def secret_value(text: str, span: SecretSpan) -> str | None:
    """What to look for elsewhere in the call: a number's digits, else the words said."""
    said = text[span.start : span.end].strip()
    digits = re.sub(r"\D", "", normalize(said).text)
    if span.kind in _NUMBER_KINDS and len(digits) >= 3:
        return digits
    return said if len(said) >= 3 else None


_NUMBER_KINDS: Final = frozenset(
    {SecretKind.CARD, SecretKind.CVV, SecretKind.ONE_TIME_CODE, SecretKind.PIN}
)


def _last4(kind: SecretKind, digits: str) -> str | None:
    return digits[-4:] if kind is SecretKind.CARD and len(digits) >= 13 else None

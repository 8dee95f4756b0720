"""The redaction stage: the first thing that happens to a transcript after it is read.

`redact_transcript` masks every secret in every turn (`secrets.find_secrets`), and
the answer to any turn that asked for one ("What's the code we just texted you?"
/ "Five eight three nine two zero."), across up to a few answer turns for numbers
read out in pieces. `redact_text` does the same for text that could not be read
as a transcript (a rejected record keeps its raw text, masked). Nothing after this
stage (extraction, models, the store, output files, payloads, logs) sees a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from callhandoff.extractors.spoken import words_of
from callhandoff.redaction.masks import SecretKind, mask
from callhandoff.redaction.secrets import (
    SecretSpan,
    answer_span,
    digit_groups,
    find_secrets,
    repeats,
    secret_value,
)
from callhandoff.schema.enums import Speaker
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript, Turn

#: How many later turns may still be the answer to a question that asked for a secret.
ANSWER_WINDOW: Final = 3

_ASKS: Final = (
    (SecretKind.CVV, r"cvv|cvc|security code|(?:three|3)[- ]digit|code on the back"),
    (
        SecretKind.ONE_TIME_CODE,
        r"otp|one[- ]time|verification code|authenti\w* code|(?:the )?code (?:we|i)(?: just)? "
        r"(?:sent|texted|emailed)|code (?:in|on|from) (?:the|your) (?:text|sms|message|email)"
        r"|read (?:me )?the code",
    ),
    (SecretKind.PIN, r"\bpin\b(?![ -]?code)"),
    (
        SecretKind.CARD,
        r"card number|number on (?:the|your) card|long number|digits on the (?:front|card)",
    ),
    (SecretKind.PASSWORD, r"password|passcode|passphrase"),
    (
        SecretKind.SECURITY_ANSWER,
        r"maiden name|security question|memorable (?:word|place|date|name)|first (?:pet|school|car)"
        r"|secret (?:answer|question)|security answer|city (?:you were|were you) born",
    ),
)
_ASK_RES: Final = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _ASKS)
_ASK_WORDS: Final = frozenset(
    """cvv cvc security digit code otp verification pin card number password passcode
    passphrase maiden memorable pet pet's secret born authentication authenticator""".split()
)  # a turn without one of these asks for no secret
_REQUEST: Final = re.compile(
    r"\?|\b(?:read|tell|give|confirm|say|spell|provide|type|enter|need|verify)\b"
)  # on lower case
_DONT: Final = re.compile(
    r"\b(?:never|don'?t|do not|won'?t|will not|can'?t|cannot|no need to|not to)\b[^.?!]{0,30}"
    r"\b(?:share|give|tell|read|say|need)"
)  # on lower case
_DIGIT_KINDS: Final = frozenset(
    {SecretKind.CVV, SecretKind.ONE_TIME_CODE, SecretKind.PIN, SecretKind.CARD}
)
_MOSTLY_DIGITS: Final = re.compile(
    r"^[\s,.\-]*(?:(?:\d|zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|and|uh"
    r"|um|then)[\s,.\-]*)+$",
    re.IGNORECASE,
)
# possessive: a 5 MB string literal is matched without a backtracking stack per character
_JSON_STRING: Final = re.compile(r'"(?:[^"\\\n]++|\\.)*+"')


def asked_for(text: str) -> SecretKind | None:
    """The kind of secret a turn asks the other side to say, if it asks for one.

    "Please never share your PIN" is a warning, not a request.
    """
    low = text.lower()
    if words_of(low).isdisjoint(_ASK_WORDS):
        return None
    if not _REQUEST.search(low) or _DONT.search(low):
        return None
    for kind, pattern in _ASK_RES:
        if pattern.search(text):
            return kind
    return None


def apply_masks(text: str, spans: Iterable[SecretSpan]) -> str:
    """`text` with every span replaced by its mask; overlapping spans become one mask."""
    ordered = sorted(spans, key=lambda span: (span.start, -span.end))
    if not ordered:
        return text
    pieces: list[str] = []
    cursor = 0
    for span in ordered:
        if span.end <= cursor:
            continue
        start = max(span.start, cursor)
        pieces.append(text[cursor:start])
        pieces.append(mask(span.kind, span.last4))
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _answer_spans(text: str, kind: SecretKind, first: bool) -> list[SecretSpan]:
    """The secret in a turn that answers a request for `kind` (`first`: the first answer
    turn; later turns count only while they are more digits of the same number)."""
    if kind in _DIGIT_KINDS:
        if not first and not _MOSTLY_DIGITS.match(text):
            return []
        return digit_groups(text, kind)
    if not first:
        return []
    span = answer_span(text, kind)
    return [span] if span is not None else []


def _redacted_texts(texts: list[str], askers: list[bool], answerers: list[bool]) -> list[str]:
    """Each text masked: its own secrets, the answers to the requests before it, and any
    repeat of a secret said elsewhere in the call (a read-back)."""
    found: list[list[SecretSpan]] = []
    pending: SecretKind | None = None
    left = 0
    for text, asks, answers in zip(texts, askers, answerers, strict=True):
        spans = find_secrets(text)
        if pending is not None and answers:
            spans.extend(_answer_spans(text, pending, first=left == ANSWER_WINDOW))
            left -= 1
            if left == 0 or (pending not in _DIGIT_KINDS):
                pending = None
        if asks:
            kind = asked_for(text)
            if kind is not None:
                pending, left = kind, ANSWER_WINDOW
        found.append(spans)
    values = {
        (span.kind, value)
        for text, spans in zip(texts, found, strict=True)
        for span in spans
        if (value := secret_value(text, span)) is not None
    }
    if values:
        ordered = sorted(values)
        for text, spans in zip(texts, found, strict=True):
            spans.extend(_repeat_spans(text, spans, ordered))
    return [apply_masks(text, spans) for text, spans in zip(texts, found, strict=True)]


def _repeat_spans(
    text: str, spans: list[SecretSpan], values: list[tuple[SecretKind, str]]
) -> list[SecretSpan]:
    """Repeats of known secrets in `text` outside its own secrets' spans."""
    return [
        extra
        for extra in repeats(text, values)
        if not any(extra.start < span.end and span.start < extra.end for span in spans)
    ]


def redact_transcript(transcript: Transcript) -> Transcript:
    """The transcript with every secret masked (the same object when there was none)."""
    turns = transcript.turns
    texts = [turn.text for turn in turns]
    askers = [turn.speaker is not Speaker.CUSTOMER for turn in turns]
    answerers = [turn.speaker is Speaker.CUSTOMER for turn in turns]
    masked = _redacted_texts(texts, askers, answerers)
    if masked == texts:
        return transcript
    new_turns = [
        turn
        if text == turn.text
        else Turn(speaker=turn.speaker, text=text, start=turn.start, end=turn.end)
        for turn, text in zip(turns, masked, strict=True)
    ]
    return transcript.model_copy(update={"turns": new_turns})


def redact_text(text: str) -> str:
    """Any text (a rejected record, a message) with its secrets masked.

    Its speakers are unknown, so each JSON string (or, in plain text, each line)
    is taken as a turn that may ask or answer.
    """
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        matches = list(_JSON_STRING.finditer(text))
        if not matches:
            return text
        inner = [m.group()[1:-1] for m in matches]
        flags = [True] * len(inner)
        masked = _redacted_texts(inner, flags, flags)
        if masked == inner:
            return text
        pieces, cursor = [], 0
        for m, new in zip(matches, masked, strict=True):
            pieces.append(text[cursor : m.start() + 1])
            pieces.append(new)
            cursor = m.end() - 1
        pieces.append(text[cursor:])
        return "".join(pieces)
    lines = text.split("\n")
    flags = [True] * len(lines)
    return "\n".join(_redacted_texts(lines, flags, flags))


def redact_rejected(rejected: Rejected) -> Rejected:
    """A rejected input with its raw text and its problem masked."""
    raw, problem = redact_text(rejected.raw), redact_text(rejected.problem)
    if raw == rejected.raw and problem == rejected.problem:
        return rejected
    return rejected.model_copy(update={"raw": raw, "problem": problem})


def redact_stream(items: Iterable[Transcript | Rejected]) -> Iterator[Transcript | Rejected]:
    """The redaction stage over a reader's output, in order."""
    for item in items:
        yield redact_transcript(item) if isinstance(item, Transcript) else redact_rejected(item)

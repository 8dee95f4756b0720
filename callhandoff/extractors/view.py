"""A transcript prepared once for every extractor, plus the shared confidence scale.

`CallView` holds each turn's written form (spoken numbers, spelling and e-mails
rewritten by `spoken.normalize`) so the work is done once per call, not once per
extractor. Every public `find_*` accepts a `Transcript` or a `CallView`.

Confidence scale (what the numbers mean, used by every extractor):
- 0.95 the customer states it with a cue ("my order number is ...")
- 0.90 the customer answers the agent's direct question with it
- 0.80 only the agent says it, with a cue (a read-back)
- 0.70 a bare pattern match with no cue
- minus 0.05 when the value was reassembled from spoken words
- plus 0.03 when the customer says it and the agent repeats it
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, TypeVar, cast

from callhandoff.extractors.spoken import SpokenText, digit_count, normalize, words_of
from callhandoff.schema import Deadline, Evidence, Extracted, Money, Speaker, Transcript

T = TypeVar("T")

CUED: Final = 0.95
ANSWER: Final = 0.90
READBACK: Final = 0.80
BARE: Final = 0.70
SPOKEN_PENALTY: Final = 0.05
CONFIRMED_BONUS: Final = 0.03
CEILING: Final = 0.98

AGENT_SIDE: Final = frozenset({Speaker.AGENT, Speaker.BOT})
_DIGIT_RE: Final = re.compile(r"\d")


def lower_same_length(text: str) -> str:
    """`text.lower()`, keeping any character that would lower-case to two characters, so
    offsets in the lower-cased text are offsets in the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@dataclass(frozen=True, slots=True)
class TurnView:
    """One turn: who spoke, what they said, and its written form."""

    index: int
    speaker: Speaker
    spoken: SpokenText
    words: frozenset[str]  # lower-cased words of the original, for cheap prefilters
    low: str  # the original, lower-cased (same length)
    wlow: str  # the written form, lower-cased (same length)
    digits: int  # digits in the written form
    is_customer: bool
    is_agent: bool  # agent or bot

    def has(self, words: Iterable[str]) -> bool:
        """True when any of `words` is one of the turn's words (a prefilter)."""
        return not self.words.isdisjoint(words)

    @property
    def text(self) -> str:
        """The written form (spoken numbers, spelling and e-mails rewritten)."""
        return self.spoken.text

    @property
    def original(self) -> str:
        """Exactly what the transcript says."""
        return self.spoken.original


@dataclass(frozen=True, slots=True)
class CallView:
    """All turns of one call in written form."""

    turns: tuple[TurnView, ...]

    @classmethod
    def of(cls, transcript: Transcript) -> CallView:
        """Normalise every turn once and note its words and digit count."""
        views = []
        for i, turn in enumerate(transcript.turns):
            low = lower_same_length(turn.text)
            words = words_of(low)
            spoken = normalize(turn.text, low=low, words=words)
            written = spoken.text
            wlow = lower_same_length(written) if spoken.changed else low
            digits = digit_count(written) if _DIGIT_RE.search(written) else 0
            speaker = turn.speaker
            views.append(
                TurnView(
                    i,
                    speaker,
                    spoken,
                    words,
                    low,
                    wlow,
                    digits,
                    speaker is Speaker.CUSTOMER,
                    speaker in AGENT_SIDE,
                )
            )
        return cls(tuple(views))

    def customer_turns(self) -> list[TurnView]:
        return [t for t in self.turns if t.is_customer]

    def asked_before(self, turn: TurnView) -> TurnView | None:
        """The agent turn right before a customer turn (the question it may answer)."""
        if turn.index == 0:
            return None
        prev = self.turns[turn.index - 1]
        return prev if prev.is_agent else None


def questions(text: str) -> list[str]:
    """The sentences of `text` that end with a question mark (plain string scanning:
    extractors ask this of many agent turns)."""
    found: list[str] = []
    end = text.find("?")
    while end >= 0:
        start = max(text.rfind(".", 0, end), text.rfind("!", 0, end), text.rfind("?", 0, end))
        if end - start > 1:
            found.append(text[start + 1 : end + 1])
        end = text.find("?", end + 1)
    return found


def view_of(call: Transcript | CallView) -> CallView:
    """Accept either a transcript or an already prepared view."""
    return call if isinstance(call, CallView) else CallView.of(call)


class Candidate(NamedTuple):
    """One mention of a value before mentions are merged."""

    value: str
    confidence: float
    turn: TurnView
    start: int  # span in the written text of the turn (or the original, see below)
    end: int
    source: str
    original: bool = False  # True when start/end index the original text


def candidate(
    value: str, confidence: float, turn: TurnView, start: int, end: int, source: str
) -> Candidate:
    """A mention, marked down when its words were reassembled from speech."""
    if turn.spoken.is_spoken(start, end):
        confidence -= SPOKEN_PENALTY
    return Candidate(value, round(confidence, 3), turn, start, end, source)


def extracted(
    value: T, confidence: float, turn: TurnView, start: int, end: int, source: str
) -> Extracted[T] | None:
    """Wrap a value with evidence quoting the original words behind [start, end)."""
    _, quote = turn.spoken.quote(start, end)
    return _wrap(value, confidence, turn, quote, source)


def extracted_original(
    value: T, confidence: float, turn: TurnView, start: int, end: int, source: str
) -> Extracted[T] | None:
    """Like `extracted`, for a span [start, end) of the original text."""
    return _wrap(value, confidence, turn, turn.original[start:end].strip(), source)


_CONCRETE: Final[dict[type, type[Extracted[Any]]]] = {
    str: Extracted[str],
    Money: Extracted[Money],
    Deadline: Extracted[Deadline],
}


def _wrap(
    value: T, confidence: float, turn: TurnView, quote: str, source: str
) -> Extracted[T] | None:
    if not quote:
        return None
    # the concrete class (Extracted[str], ...) so models holding it need not re-validate
    cls = _CONCRETE.get(type(value), Extracted)
    item = cls(
        value=value,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        evidence=Evidence(turn=turn.index, quote=quote),
        source=source,
    )
    return cast("Extracted[T]", item)


class _Merged:
    __slots__ = ("agent", "best", "customer", "first", "top")

    def __init__(self, first: Candidate) -> None:
        self.best = first
        self.top = first.confidence
        self.first = (first.turn.index, first.start)
        self.customer = first.turn.is_customer
        self.agent = first.turn.is_agent


def rank(candidates: Sequence[Candidate]) -> list[Extracted[str]]:
    """Merge mentions of the same value, most confident first, then first mentioned.

    The customer's own words are the evidence when there are any; the confidence is
    the best mention's, plus a little when customer and agent both say it.
    """
    merged: dict[str, _Merged] = {}
    for cand in candidates:
        entry = merged.get(cand.value)
        if entry is None:
            merged[cand.value] = _Merged(cand)
            continue
        entry.customer |= cand.turn.is_customer
        entry.agent |= cand.turn.is_agent
        entry.top = max(entry.top, cand.confidence)
        best = entry.best
        better_speaker = cand.turn.is_customer and not best.turn.is_customer
        same_speaker = cand.turn.is_customer == best.turn.is_customer
        if better_speaker or (same_speaker and cand.confidence > best.confidence):
            entry.best = cand
    ordered: list[tuple[float, tuple[int, int], Extracted[str]]] = []
    for entry in merged.values():
        best = entry.best
        conf = entry.top
        if entry.customer and entry.agent:
            conf = min(CEILING, conf + CONFIRMED_BONUS)
        make = extracted_original if best.original else extracted
        item = make(best.value, conf, best.turn, best.start, best.end, best.source)
        if item is not None:
            ordered.append((-item.confidence, entry.first, item))
    ordered.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in ordered]

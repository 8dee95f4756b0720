"""Reversible placeholders for the caller's contact details on their way to a model.

With `CALLHANDOFF_REDACT_CONTACTS=true` the LLM backend sends the model a copy of
the call in which every e-mail address, phone number and caller's name that the
exact extractors find (`extractors.contacts`, `extractors.names`), and every repeat
of one elsewhere in the call (a read-back, a first name said alone, a spelled
surname, the caller-ID number), is replaced by `[email 1]`, `[phone 1]`,
`[name 1]`, ...: the same value always by the same placeholder.

The model's answer is mapped back before grounding and cross-checking
(`HiddenContacts.restore`): a placeholder in a value becomes the value (the e-mail
as the extractor normalised it, the phone in E.164, the name title-cased); a quote
becomes the exact words said in the turn it cites. The handoff has the same shape as
one made from the raw call, and the raw values never leave the machine.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from callhandoff.extractors.contacts import email_mentions, phone_mentions
from callhandoff.extractors.names import name_candidates
from callhandoff.extractors.view import CallView, Candidate, TurnView
from callhandoff.normalize import phone_e164, phone_national_digits
from callhandoff.schema.transcript import Transcript, Turn

M = TypeVar("M", bound=BaseModel)

#: A placeholder as the model may write it back (`[Email 1]`, `[phone  2]` too).
PLACEHOLDER_RE: Final = re.compile(r"\[(email|phone|name)\s*(\d+)\]", re.IGNORECASE)
_DIGIT_RUN: Final = re.compile(r"[+(]?\d[\d \t().\-]{5,20}\d")
_NOT_DIGIT: Final = re.compile(r"\D")


@dataclass(frozen=True, slots=True)
class _Swap:
    """One replaced stretch of a turn: [start, end) of the text sent, [src_start,
    src_end) of the text said."""

    start: int
    end: int
    src_start: int
    src_end: int
    tag: str


@dataclass(frozen=True)
class HiddenContacts:
    """The call as sent to the model, and how to map the model's answer back."""

    transcript: Transcript
    said: Transcript
    values: dict[str, str] = field(default_factory=dict)  # tag -> the value
    swaps: tuple[tuple[_Swap, ...], ...] = ()  # per turn, in order

    @classmethod
    def as_is(cls, transcript: Transcript) -> HiddenContacts:
        """Nothing hidden: the call is sent as it is and the answer kept as it is."""
        return cls(transcript, transcript)

    def restore_text(self, text: str, turn: int | None = None) -> str:
        """`text` with the placeholders mapped back: a quote of `turn` to the words said
        there, anything else to the values."""
        if not self.values or "[" not in text:
            return text
        if turn is not None and 0 <= turn < len(self.swaps):
            start = self.transcript.turns[turn].text.find(text)
            if start >= 0:
                return self._said_between(turn, start, start + len(text))
            return self._by_tag(text, self._words_by_tag(turn))
        return self._by_tag(text, {})

    def restore(self, answer: M) -> M:
        """The model's answer with every placeholder mapped back (values and quotes)."""
        if not self.values:
            return answer
        data = self._restored(answer.model_dump(mode="json"), None)
        return type(answer).model_validate(data)

    def restore_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Field values salvaged from an answer (cited models, lists of them, text) with
        every placeholder mapped back."""
        if not self.values:
            return values
        return {name: self._restore_value(value) for name, value in values.items()}

    def _restore_value(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return self.restore(value)
        if isinstance(value, list):
            return [self._restore_value(item) for item in value]
        if isinstance(value, str):
            return self.restore_text(value)
        return value

    def _restored(self, node: Any, turn: int | None) -> Any:
        if isinstance(node, str):
            return self.restore_text(node, turn)
        if isinstance(node, list):
            return [self._restored(item, None) for item in node]
        if not isinstance(node, dict):
            return node
        cited = node.get("turn") if isinstance(node.get("turn"), int) else None
        return {
            key: self._restored(value, cited if key == "quote" else None)
            for key, value in node.items()
        }

    def _said_between(self, turn: int, start: int, end: int) -> str:
        """The words said behind [start, end) of a turn as sent (a placeholder cut in
        half counts whole)."""
        swaps = self.swaps[turn]
        starts = [swap.start for swap in swaps]

        def source(position: int, *, closing: bool) -> int:
            i = bisect_right(starts, position - (1 if closing else 0)) - 1
            if i < 0:
                return position
            swap = swaps[i]
            if position < swap.end or (closing and position == swap.end):
                return swap.src_end if closing else swap.src_start
            return swap.src_end + position - swap.end

        said = self.said.turns[turn].text
        return said[source(start, closing=False) : source(end, closing=True)]

    def _words_by_tag(self, turn: int) -> dict[str, list[str]]:
        said = self.said.turns[turn].text
        words: dict[str, list[str]] = {}
        for swap in self.swaps[turn]:
            words.setdefault(swap.tag, []).append(said[swap.src_start : swap.src_end])
        return words

    def _by_tag(self, text: str, words: dict[str, list[str]]) -> str:
        used: dict[str, int] = {}

        def back(match: re.Match[str]) -> str:
            tag = _tag_of(match)
            if tag not in self.values:
                return match.group()
            said = words.get(tag)
            if said:
                n = used[tag] = used.get(tag, -1) + 1
                return said[min(n, len(said) - 1)]
            return self.values[tag]

        return PLACEHOLDER_RE.sub(back, text)


def hide_contacts(transcript: Transcript, regions: Sequence[str]) -> HiddenContacts:
    """The call with the caller's e-mails, phones and names swapped for placeholders."""
    view = CallView.of(transcript)
    found: list[tuple[str, Candidate]] = [
        *(("email", c) for c in email_mentions(view)),
        *(("phone", c) for c in phone_mentions(view, regions)),
        *(("name", c) for c in name_candidates(view)),
    ]
    said_id = transcript.caller_phone
    caller_id = phone_e164(said_id, regions) if said_id else None
    if not found and caller_id is None:
        return HiddenContacts.as_is(transcript)
    order = sorted(found, key=lambda item: (item[1].turn.index, item[1].start))
    taken = {_tag_of(m) for turn in transcript.turns for m in PLACEHOLDER_RE.finditer(turn.text)}
    tags: dict[tuple[str, str], str] = {}
    for kind, cand in order:
        _tag(tags, taken, kind, cand.value)
    if caller_id is not None:
        _tag(tags, taken, "phone", caller_id)
    spans: list[list[tuple[int, int, str]]] = [[] for _ in view.turns]
    for kind, cand in found:
        start, end = _source_span(cand)
        spans[cand.turn.index].append((start, end, tags[(kind, cand.value)]))
    surfaces = _name_surfaces(found)
    for turn in view.turns:
        spans[turn.index].extend(_repeats(turn, tags, surfaces))
    return _swapped(transcript, spans, {tag: value for (_, value), tag in tags.items()})


def _tag_of(match: re.Match[str]) -> str:
    return f"[{match.group(1).lower()} {int(match.group(2))}]"


def _tag(tags: dict[tuple[str, str], str], taken: set[str], kind: str, value: str) -> None:
    """Give a value the next free placeholder of its kind (never one said on the call)."""
    if (kind, value) in tags:
        return
    number = 1
    used = set(tags.values()) | taken
    while f"[{kind} {number}]" in used:
        number += 1
    tags[(kind, value)] = f"[{kind} {number}]"


def _source_span(cand: Candidate) -> tuple[int, int]:
    if cand.original:
        return cand.start, cand.end
    return cand.turn.spoken.to_original(cand.start, cand.end)


def _name_surfaces(found: Iterable[tuple[str, Candidate]]) -> dict[str, set[str]]:
    """Per name: the words it was said with, each word of it, and the whole name."""
    surfaces: dict[str, set[str]] = {}
    for kind, cand in found:
        if kind != "name":
            continue
        start, end = _source_span(cand)
        forms = surfaces.setdefault(cand.value, {cand.value})
        said = cand.turn.original[start:end]
        words = [w for w in re.split(r"[\s,]+", f"{cand.value} {said}") if len(w) >= 2]
        forms.update(w for w in words if any(ch.isalpha() for ch in w))
        forms.update(w.upper() for w in cand.value.split() if len(w) >= 2)
    return surfaces


def _repeats(
    turn: TurnView, tags: dict[tuple[str, str], str], surfaces: dict[str, set[str]]
) -> list[tuple[int, int, str]]:
    """Other mentions in a turn of the values already found, as spans of what was said."""
    written, low = turn.text, turn.wlow
    spans: list[tuple[tuple[int, int], str]] = []
    for (kind, value), tag in tags.items():
        if kind == "email" and "@" in written:
            spans.extend(((m.start(), m.end()), tag) for m in re.finditer(re.escape(value), low))
        elif kind == "phone" and turn.digits >= 7:
            national = phone_national_digits(value)
            if national and len(national) >= 7:
                spans.extend(
                    ((m.start(), m.end()), tag)
                    for m in _DIGIT_RUN.finditer(written)
                    if _NOT_DIGIT.sub("", m.group()).endswith(national)
                )
        elif kind == "name":
            whole = r"\s+".join(map(re.escape, value.split()))
            forms = "|".join(map(re.escape, sorted(surfaces.get(value, ()), key=len, reverse=True)))
            for pattern, flags in ((whole, re.IGNORECASE), (forms, 0)):
                bounded = rf"(?<![\w'’])(?:{pattern})(?![\w'’])"
                spans.extend(
                    ((m.start(), m.end()), tag) for m in re.finditer(bounded, written, flags)
                )
    return [(*turn.spoken.to_original(start, end), tag) for (start, end), tag in spans]


def _swapped(
    transcript: Transcript, spans: list[list[tuple[int, int, str]]], values: dict[str, str]
) -> HiddenContacts:
    turns: list[Turn] = []
    swaps: list[tuple[_Swap, ...]] = []
    for turn, found in zip(transcript.turns, spans, strict=True):
        text = turn.text
        pieces: list[str] = []
        made: list[_Swap] = []
        cursor = out = 0
        for start, end, tag in sorted(found, key=lambda s: (s[0], -s[1])):
            if start < cursor or end <= start:
                continue  # overlaps a longer mention already replaced
            pieces.append(text[cursor:start])
            out += start - cursor
            pieces.append(tag)
            made.append(_Swap(out, out + len(tag), start, end, tag))
            out += len(tag)
            cursor = end
        pieces.append(text[cursor:])
        swaps.append(tuple(made))
        turns.append(turn if not made else turn.model_copy(update={"text": "".join(pieces)}))
    sent = transcript.model_copy(update={"turns": turns})
    return HiddenContacts(sent, transcript, values, tuple(swaps))


__all__ = ["PLACEHOLDER_RE", "HiddenContacts", "hide_contacts"]

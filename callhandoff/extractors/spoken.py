"""Spoken forms to written forms, keeping a map back to the original characters.

Speech-to-text writes "four oh three", "double seven", "C as in Charlie", "S M I T H",
"4-0-3" and "john dot smith at gmail dot com". `normalize(text)` rewrites those to
"403", "77", "C", "SMITH", "403" and "john.smith@gmail.com" and remembers, for every
rewritten piece, the span of the original it came from, so an extractor can match
the written form and still quote the caller's exact words.

Pauses between spoken digit groups (commas, periods) become one space and a spoken
or written dash becomes "-", so "four oh three, one two three four five six seven"
reads "403 1234567". Text without number words or spelling cues is returned as is.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from callhandoff.extractors.spoken_groups import Token, classify, group_text, is_single_char
from callhandoff.extractors.vocab import (
    NATO,
    ORDINALS,
    REPEATS,
    SCALES,
    TEENS,
    TENS,
    UNITS,
    alternation,
)

__all__ = ["Piece", "SpokenText", "digit_count", "normalize", "word_list", "words_of"]


@dataclass(frozen=True, slots=True)
class Piece:
    """One rewritten stretch: written [out_start, out_end) was said as [src_start, src_end)."""

    out_start: int
    out_end: int
    src_start: int
    src_end: int
    kind: str  # "number", "letters", "sep" or "email"


@dataclass(frozen=True, slots=True)
class SpokenText:
    """A turn's text in written form plus the map back to what was said."""

    original: str
    text: str
    pieces: tuple[Piece, ...] = ()
    _starts: tuple[int, ...] = field(default=(), repr=False)

    @property
    def changed(self) -> bool:
        """True when anything was rewritten."""
        return bool(self.pieces)

    def _char_source(self, pos: int) -> tuple[int, int]:
        """The original span behind the written character at `pos`."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return pos, pos + 1
        piece = self.pieces[i]
        if pos < piece.out_end:
            return piece.src_start, piece.src_end
        src = piece.src_end + (pos - piece.out_end)
        return src, src + 1

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the written span [start, end) to the original span that was said."""
        if not self.pieces:
            return start, end
        if end <= start:
            src = self._char_source(start)[0] if start < len(self.text) else len(self.original)
            return src, src
        return self._char_source(start)[0], self._char_source(end - 1)[1]

    def quote(self, start: int, end: int) -> tuple[int, str]:
        """The original words behind [start, end), trimmed: (original start, quote)."""
        src_start, src_end = self.to_original(start, end)
        raw = self.original[src_start:src_end]
        stripped = raw.strip()
        return src_start + (len(raw) - len(raw.lstrip())), stripped

    def is_spoken(self, start: int, end: int) -> bool:
        """True when [start, end) of the written text overlaps a rewritten (spoken) piece."""
        return any(p.out_start < end and start < p.out_end for p in self.pieces)

    def pieces_of(self, kind: str) -> list[Piece]:
        """The rewritten pieces of one kind, in order."""
        return [p for p in self.pieces if p.kind == kind]


class _Repl(NamedTuple):
    start: int
    end: int
    text: str
    kind: str


# --- stage 1: numbers and spelled letters -------------------------------------------

_NUM_WORDS: Final = alternation([*UNITS, *TEENS, *TENS, *SCALES, *REPEATS, *ORDINALS, "point"])
_NUM_TOKEN: Final = (
    rf"\b(?:{_NUM_WORDS})\b(?!['’])|\ba(?=[ \t]+(?:hundred|thousand|lakh)\b)"
    r"|(?<!\d[.,])\b\d+\b(?![.,]\d)"
)
_LETTER_TOKEN: Final = (
    rf"\b[A-Za-z][ \t]+(?:as[ \t]+in|for|like)[ \t]+[A-Za-z]+\b"
    rf"|\bcapital[ \t]+[A-Za-z]\b|\b(?:{alternation(NATO)})\b|(?<!['’])\b[A-Za-z]\b(?!['’])"
)
_SEP: Final = r"(?:[ \t]*(?:,|-|–|\.{1,3})[ \t]*|[ \t]+(?:dash|hyphen|and)[ \t]+|[ \t]+)"
_NUM_TOKEN_RE: Final = re.compile(_NUM_TOKEN)
_SPELL_TOKEN_RE: Final = re.compile(rf"{_LETTER_TOKEN}|{_NUM_TOKEN}", re.IGNORECASE)
# numbers-only mode runs on the lower-cased text: case-sensitive matching is ~3x faster
_NUM_RUN_RE: Final = re.compile(rf"(?:{_NUM_TOKEN})(?:{_SEP}(?:{_NUM_TOKEN}))*")
_SPELL_RUN_RE: Final = re.compile(
    rf"(?:{_LETTER_TOKEN}|{_NUM_TOKEN})(?:{_SEP}(?:{_LETTER_TOKEN}|{_NUM_TOKEN}))*", re.IGNORECASE
)
_SPLIT_DIGITS_RE: Final = re.compile(r"\d[ .\-]\d[ .\-]\d")
_CAPS_RUN_RE: Final = re.compile(r"[A-Z][ .\-][A-Z][ .\-][A-Z]|[A-Z] (?:for|like) [A-Z]")
_NATO_PAIR_RE: Final = re.compile(
    rf"\b(?:{alternation(NATO)})[ \t,.\-]+(?:{alternation(NATO)})\b", re.IGNORECASE
)
_NUMBER_GATE: Final = frozenset([*UNITS, *TEENS, *TENS, *SCALES, *REPEATS, *ORDINALS]) - {"o", "oh"}
_NATO_GATE: Final = frozenset(NATO)
_WEAK_NUMBERS: Final = frozenset({"one", "first", "second", "third", "double", "triple"})
_NUMBER_CONTEXT: Final = frozenset(
    "dollar dollars rupee rupees rs bucks euro euros pound pounds day days week weeks hour hours"
    " month months number no digits code id".split()
)
_LETTER_GATE: Final = frozenset("bcdefghjklmnopqrstuvwxyz")
_WORD_BREAKS: Final = '.,!?;:()[]{}"<>*/\\#@&+=~|-_\n\t\r'
_TO_SPACE: Final = str.maketrans(dict.fromkeys(_WORD_BREAKS, " "))
_TO_SPACE_BYTES: Final = bytes.maketrans(_WORD_BREAKS.encode(), b" " * len(_WORD_BREAKS))
_NO_DIGITS: Final = str.maketrans("", "", "0123456789")


def words_of(low: str) -> frozenset[str]:
    """The distinct words of lower-cased text, punctuation dropped: a cheap prefilter."""
    return frozenset(word_list(low))


def word_list(low: str) -> list[str]:
    """The words of lower-cased text in order, punctuation dropped (`words_of` as a list,
    for a test that needs no set)."""
    if low.isascii():  # most turns: bytes.translate is several times faster
        return low.encode().translate(_TO_SPACE_BYTES).decode().split()
    return low.replace("’", "'").translate(_TO_SPACE).split()


def digit_count(text: str) -> int:
    """How many digits the text contains."""
    if text.isascii():
        return len(text) - len(text.encode().translate(None, b"0123456789"))
    return len(text) - len(text.translate(_NO_DIGITS))


_AS_IN_RE = re.compile(r"\bas in\b")


def _wants_spelling(text: str, low: str, words: frozenset[str]) -> bool:
    if "spell" in low or "letter" in low or "capital" in low:
        return True
    if "as in" in low and _AS_IN_RE.search(low):  # "C as in Charlie", not "it was in"
        return True
    if not words.isdisjoint(_LETTER_GATE) and _CAPS_RUN_RE.search(text):
        return True
    if words.isdisjoint(_NATO_GATE):
        return False
    return len(_NATO_GATE & words) >= 2 and bool(_NATO_PAIR_RE.search(text))


def _sep_kind(sep: str, left: Token, right: Token) -> str:
    """How two neighbouring tokens are joined: 'join', 'dash', 'pause' or 'break'.

    A written number never joins a spoken one ("paid 500 two days ago" stays apart);
    'break' separators are left exactly as they were.
    """
    if (left.kind == "digits") != (right.kind == "digits") and not (
        left.kind == "repeat" and is_single_char(right)
    ):
        return "break"
    low = sep.lower()
    if "dash" in low or "hyphen" in low:
        return "dash"
    if not sep.strip():
        return "join"
    if sep.strip() == "and":
        return (
            "join" if left.kind == "scale" and right.kind in {"unit", "teen", "tens"} else "break"
        )
    if sep in {"-", "–"}:
        if left.kind == "tens" and right.kind in {"unit", "ordinal"}:
            return "join"
        if left.kind == "unit" and right.kind == "unit":
            return "join"  # "four-oh-three"
        if left.kind == "repeat" and right.kind == "unit":
            return "join"  # "double-oh"
        return "join" if is_single_char(left) and is_single_char(right) else "dash"
    if sep == "." and is_single_char(left) and is_single_char(right):
        return "join"
    if "-" in sep or "–" in sep:
        return "dash"
    return "pause"


def _run_repls(text: str, run: re.Match[str], token_re: re.Pattern[str]) -> list[_Repl]:
    """Rewrites for one run of number/letter tokens: one per group, one per separator."""
    base = run.start()
    tokens = [
        classify(m.group(), base + m.start(), base + m.end())
        for m in token_re.finditer(run.group())
    ]
    if not tokens:
        return []
    groups: list[list[Token]] = [[tokens[0]]]
    joins: list[str] = []
    for left, right in itertools.pairwise(tokens):
        kind = _sep_kind(text[left.end : right.start], left, right)
        if kind == "join":
            groups[-1].append(right)
        else:
            joins.append(kind)
            groups.append([right])
    outs = [group_text(g, text) for g in groups]
    repls: list[_Repl] = []
    for i, (group, out) in enumerate(zip(groups, outs, strict=True)):
        if out is not None:
            kind = "letters" if any(t.kind in {"letter", "nato"} for t in group) else "number"
            repls.append(_Repl(group[0].start, group[-1].end, out, kind))
        rewritten_pair = i + 1 < len(groups) and out is not None and outs[i + 1] is not None
        if rewritten_pair and joins[i] in {"dash", "pause"}:
            sep = "-" if joins[i] == "dash" else " "
            repls.append(_Repl(group[-1].end, groups[i + 1][0].start, sep, "sep"))
    return repls


def _stage_one(text: str, low: str, spell: bool) -> list[_Repl]:
    if spell:
        runs, token_re = _SPELL_RUN_RE.finditer(text), _SPELL_TOKEN_RE
    else:
        runs, token_re = _NUM_RUN_RE.finditer(low), _NUM_TOKEN_RE
    repls: list[_Repl] = []
    for run in runs:
        repls.extend(_run_repls(text, run, token_re))
    return repls


# --- stage 2: spoken e-mail addresses -------------------------------------------------

_CONN: Final = r"(?:[ \t]+(?:dot|period|underscore|under[ \t]score|dash|hyphen)[ \t]+|[._+\-])"
_AT: Final = (
    r"(?P<at>[ \t]+(?:at(?:[ \t]+the[ \t]+rate(?:[ \t]+of)?)?|at[ \t]+sign)[ \t]+|[ \t]*@[ \t]*)"
)
_ATOM: Final = r"(?:[a-z0-9](?:[ \t][a-z0-9]\b)+|[a-z0-9]+)"
_DOT: Final = r"(?:[ \t]+(?:dot|period)[ \t]+|\.)"
_TLD: Final = r"(?:com|net|org|edu|gov|info|biz|co|in|io|uk|us|me|ai|de|ca|au|ie|nz|sg)"
_SPOKEN_EMAIL_RE: Final = re.compile(
    rf"(?:\b(?P<cue>e-?mail(?:[ \t]+(?:address|id))?[ \t]*(?:is|:)[ \t]*)"
    rf"(?P<pre>(?:[a-z0-9]+[ \t]+){{0,2}}?))?"
    rf"\b(?P<local>{_ATOM}(?:{_CONN}{_ATOM})*){_AT}"
    rf"(?P<domain>[a-z0-9][a-z0-9\-]*(?:{_DOT}[a-z0-9][a-z0-9\-]*)*{_DOT}{_TLD})\b",
    re.IGNORECASE,
)
_CONN_WORD_RE: Final = re.compile(
    r"[ \t]+(dot|period|underscore|under[ \t]score|dash|hyphen)[ \t]+", re.IGNORECASE
)
_CONN_CHAR: Final = {"dot": ".", "period": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
_PRE_STOP: Final = frozenset(
    "its it's is the my probably just like um uh basically actually so it".split()
)


def _join_local(local: str) -> str:
    """'john dot smith' → 'john.smith'; spaces dropped."""

    def conn(m: re.Match[str]) -> str:
        return _CONN_CHAR[re.sub(r"\s+", "", m.group(1).lower())]

    return re.sub(r"\s+", "", _CONN_WORD_RE.sub(conn, local))


def _email_repls(text: str) -> list[_Repl]:
    low = text.lower()
    if " dot " not in low and " at the rate" not in low and "mail" not in low:
        return []
    repls: list[_Repl] = []
    for m in _SPOKEN_EMAIL_RE.finditer(text):
        at = " ".join(m.group("at").split()).lower()
        spoken_domain = any(c.isspace() for c in m.group("domain"))
        if at == "@" and not spoken_domain and not any(c.isspace() for c in m.group("local")):
            continue  # an ordinary written address
        if not spoken_domain and not at.startswith("at the rate") and not m.group("cue"):
            continue  # "looked at amazon.com" is not an address
        start = m.start("local")
        prefix = ""
        if m.group("pre"):
            words = list(re.finditer(r"\S+", m.group("pre")))
            while words and words[0].group().lower() in _PRE_STOP:
                words.pop(0)
            if words:
                start = m.start("pre") + words[0].start()
                prefix = "".join(w.group() for w in words)
        local = prefix + _join_local(m.group("local"))
        domain = re.sub(r"[ \t]+(?:dot|period)[ \t]+", ".", m.group("domain"), flags=re.IGNORECASE)
        repls.append(_Repl(start, m.end("domain"), f"{local}@{domain}".lower(), "email"))
    return repls


# --- assembling ----------------------------------------------------------------------


def _apply(original: str, repls: list[_Repl]) -> SpokenText:
    if not repls:
        return SpokenText(original, original)
    parts: list[str] = []
    pieces: list[Piece] = []
    cursor = 0
    out_len = 0
    for r in sorted(repls):
        if r.start < cursor:
            continue  # overlapping rewrite: the first one wins
        parts.append(original[cursor : r.start])
        out_len += r.start - cursor
        parts.append(r.text)
        pieces.append(Piece(out_len, out_len + len(r.text), r.start, r.end, r.kind))
        out_len += len(r.text)
        cursor = r.end
    parts.append(original[cursor:])
    return SpokenText(original, "".join(parts), tuple(pieces), tuple(p.out_start for p in pieces))


def normalize(
    text: str, *, low: str | None = None, words: frozenset[str] | None = None
) -> SpokenText:
    """Rewrite spoken numbers, spelled letters and spoken e-mails; keep the offset map.

    Text with no number words, split digits, spelling cues or spoken e-mail is
    returned unchanged without running the rewriting regexes. `low` and `words`
    (from `words_of`) may be passed when the caller already has them.
    """
    low = text.lower() if low is None else low
    words = words_of(low) if words is None else words
    # each gate is a set test or a substring search first: most turns pass none of them
    numbers = not words.isdisjoint(_NUMBER_GATE) and (
        not (_NUMBER_GATE & words) <= _WEAK_NUMBERS or not words.isdisjoint(_NUMBER_CONTEXT)
    )  # "the one I ordered", "first time": nothing to rewrite
    if not numbers and (digit_count(text) >= 3 or not text.isascii()):
        numbers = bool(_SPLIT_DIGITS_RE.search(text))
    spell = _wants_spelling(text, low, words)
    email = " dot " in low or "at the rate" in low or ("mail" in low and " at " in low)
    if not (numbers or spell or email):
        return SpokenText(text, text)
    first = (
        _apply(text, _stage_one(text, low, spell)) if numbers or spell else SpokenText(text, text)
    )
    emails = _email_repls(first.text) if email else []
    if not emails:
        return first
    mapped: list[_Repl] = []
    for r in emails:
        start, end = first.to_original(r.start, r.end)
        mapped.append(_Repl(start, end, r.text, r.kind))
    kept = [
        _Repl(p.src_start, p.src_end, first.text[p.out_start : p.out_end], p.kind)
        for p in first.pieces
        if not any(p.src_start < m.end and m.start < p.src_end for m in mapped)
    ]
    return _apply(text, kept + mapped)

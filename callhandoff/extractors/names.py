"""The caller's own name in customer turns; `contacts.find_names` ranks what this finds.

Only customer turns are read, so the agent's "my name is Priya" never counts. A cue
must introduce the name; "I'm ..." needs a capitalised word that is not a feeling
("I'm Frustrated" is not a name). Names said on their own ("HH-100359. Maria
O'Connell.") and names the agent reads out and the caller confirms come from
`name_clauses`; the agent's own name is never the caller's. A surname spelled out
after the name ("Smith, S M Y T H") replaces the heard spelling, and a first name
said alone is dropped when the full name is said too.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from callhandoff.extractors.name_clauses import agent_names, confirmed_names, standalone_names
from callhandoff.extractors.view import ANSWER, CUED, CallView, Candidate, TurnView

_TOK: Final = r"[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*"
_TITLE: Final = r"(?:(?:mr|mrs|ms|miss|dr)\.?[ \t]+)?"
_NAME: Final = rf"{_TITLE}(?P<name>{_TOK}(?:[ \t]+{_TOK}){{0,3}})"
_NAME2: Final = rf"{_TITLE}(?P<name>{_TOK}(?:[ \t]+{_TOK})?)"
_SENT_START: Final = r"(?:^|(?<=[.!?\n])[ \t]*|\b(?:hi|hello|hey)[,!]?[ \t]+)"
_GREETING: Final = (
    r"(?:(?:hi|hello|hey|yes|yeah|good[ \t]+(?:morning|afternoon|evening))[ \t,!.]+)*"
)


class _Cue(NamedTuple):
    pattern: re.Pattern[str]
    confidence: float
    capitalised: bool  # the name must be written with a capital
    whole: bool  # every word up to the closing cue ("calling", "here") must be a name word
    needs: frozenset[str]  # the cue runs only on turns with one of these words


_CUES: Final = (
    _Cue(
        re.compile(
            rf"\bmy[ \t]+(?:full[ \t]+)?name(?:[ \t]+is|'s|[ \t]*[:\-–])[ \t]*{_NAME}", re.I
        ),
        CUED,
        False,
        False,
        frozenset({"name", "name's"}),
    ),
    _Cue(
        re.compile(
            rf"{_SENT_START}(?:(?:full|billing|registered|account)[ \t]+)?name"
            rf"(?:[ \t]+is|'s|[ \t]*:)[ \t]*{_NAME}",
            re.I,
        ),
        0.9,
        False,
        False,
        frozenset({"name", "name's"}),
    ),
    _Cue(
        re.compile(rf"{_SENT_START}the[ \t]+(?:new[ \t]+)?name(?:[ \t]+is|'s)[ \t]*{_NAME}", re.I),
        0.9,
        True,
        False,
        frozenset({"name", "name's"}),
    ),
    _Cue(
        re.compile(
            rf"\b(?:this[ \t]+is|it'?s|its)[ \t]+{_NAME}[ \t,]+(?:calling|speaking)\b", re.I
        ),
        0.9,
        False,
        True,
        frozenset({"calling", "speaking"}),
    ),
    _Cue(
        re.compile(rf"\bthis[ \t]+is[ \t]+{_NAME}[ \t,]+(?:here|again)\b", re.I),
        0.85,
        True,
        True,
        frozenset({"here", "again"}),
    ),
    _Cue(
        re.compile(rf"\bthis[ \t]+is[ \t]+{_NAME2}[ \t,]+from\b", re.I),
        0.8,
        True,
        True,
        frozenset({"from"}),
    ),
    _Cue(
        re.compile(rf"{_SENT_START}{_GREETING}(?:it'?s[ \t]+)?{_NAME2}[ \t,]+here\b", re.I),
        0.75,
        True,
        True,
        frozenset({"here"}),
    ),
    _Cue(
        re.compile(
            r"\b(?:[Ii]'?m|[Ii][ \t]+am)[ \t]+(?:(?:[Mm]r|[Mm]rs|[Mm]s|[Dd]r)\.?[ \t]+)?"
            r"(?P<name>[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*"
            r"(?:[ \t]+[A-ZÀ-ÖØ-Þ][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*){0,2})"
        ),
        0.6,
        True,
        False,
        frozenset({"i'm", "im", "am"}),
    ),
)
_CUE_WORDS: Final = frozenset().union(*(cue.needs for cue in _CUES))
_ASK_WORDS: Final = frozenset({"name", "speaking", "talking"})
_ASKS_NAME_RE: Final = re.compile(
    r"\b(?:your|the)[ \t]+(?:(?:full|first|last|billing|registered|account)[ \t]+)?name\b"
    r"(?![ \t]+of)[^.?!]{0,60}\?"
    r"|\bwho[ \t]+(?:am[ \t]+i|i'?m)[ \t]+(?:speaking|talking)[ \t]+(?:with|to)\b",
    re.IGNORECASE,
)
_ANSWER_RE: Final = re.compile(
    r"^[ \t]*(?:(?:(?:sure|yes|yeah|ok(?:ay)?|hi|hello|its|it's|it[ \t]+is|this[ \t]+is"
    r"|i[ \t]+am|i'm|my[ \t]+name[ \t]+is|(?:the[ \t]+)?name[ \t]+is|(?:the[ \t]+)?name's)\b"
    r"|name:)[ \t,:.!]*)*"
    rf"{_NAME}(?=[ \t]*(?:[,.!?\n]|$|and\b))",
    re.IGNORECASE,
)
_SPELL_NEAR: Final = 120

_STOP: Final = frozenset(
    """a an the and or but so i im i'm me my mine you your u ur we our he she they it its it's
    this that these those is am are was were be been being have has had do does did not no yes
    yeah yep ok okay fine sure please pls plz thanks thank hi hello hey um uh umm uhh hmm er well
    just also again still here there calling speaking from about regarding re order with to for
    of on at in by as if then than when what who why how where which sir madam maam mam customer
    account number email phone mobile id name called call ordered bought buy need needs want
    wants got get received placed paid waiting trying writing like really very too totally sorry
    dear team support amazon flipkart registered same one new old up down out now today tomorrow
    yesterday asap urgent urgently whatever nothing idea anything everything someone somebody all
    any none hurry wait look listen see know tell told said going gonna gotta wanna can could
    would should will shall may might must let lets let's give given send sent back only
    even his her their them him oh ah ahh ugh wow damn crap shit god omg lol nah nope
    name's names""".split()
)
_FEELINGS: Final = frozenset(
    """frustrated angry upset disappointed annoyed furious livid mad pissed tired sick worried
    confused happy glad sad scared afraid stressed busy done stuck shocked devastated desperate
    panicking embarrassed extremely absolutely completely seriously literally honestly never
    always already currently unable able looking talking expecting outside home away travelling
    traveling leaving moving regular loyal prime member student victim broke fed disgusted
    appalled horrified amazed surprised concerned anxious nervous helpless hopeless fuming
    furious irritated speechless sure certain positive afraid outraged exhausted""".split()
)
_PLACEHOLDERS: Final = frozenset({"abc", "xyz", "xxx", "test", "dummy", "sample"})
_VOWEL_RE: Final = re.compile(r"[aeiouyà-æè-ïò-öø-üý]")
_NOT_NAME_SUFFIX_RE: Final = re.compile(r"(?:ing|ed|ly|ful|ous|ive|ible|able|less)$", re.I)
_TOKEN_RE: Final = re.compile(_TOK)


def _title(token: str) -> str:
    """'priya' → 'Priya', "o'brien" → "O'Brien"; mixed case ('McDonald') is kept."""
    if not (token.islower() or token.isupper()):
        return token
    return re.sub(r"[^\W\d_]+", lambda m: m.group().capitalize(), token.lower())


def _clean(cue: _Cue, match: re.Match[str]) -> list[re.Match[str]]:
    """The name tokens of a cue match, cut at the first word that is not part of a name."""
    kept: list[re.Match[str]] = []
    tokens = list(_TOKEN_RE.finditer(match.group("name")))
    for tok in tokens:
        word = tok.group()
        low = word.lower().replace("’", "'")
        if low in _STOP or len(word) > 20 or (cue.capitalised and not word[0].isupper()):
            if cue.whole:
                return []
            break
        if low in _PLACEHOLDERS or (len(low) >= 3 and not _VOWEL_RE.search(low)):
            if not kept:
                return []  # "ABC XYZ", "PQR LMN": a placeholder, not a name
            break  # "rahul sharma thx"
        kept.append(tok)
    if kept and any(t.group()[0].isupper() for t in kept) and kept[0].group()[0].isupper():
        upper = []
        for tok in kept:
            if not tok.group()[0].isupper():
                break
            upper.append(tok)
        kept = upper
    kept = kept[:3] if any(t.group()[0].isupper() for t in kept) else kept[:2]
    if kept and cue.capitalised:
        first = kept[0].group().lower()
        if first in _FEELINGS or (len(first) >= 5 and _NOT_NAME_SUFFIX_RE.search(first)):
            return []
    return kept


def _with_spelling(turn: TurnView, tokens: list[str], name_end: int) -> tuple[list[str], int]:
    """Apply a surname spelled out just after the name; returns tokens and the new end."""
    for piece in turn.spoken.pieces_of("letters"):
        if piece.src_start < name_end or piece.src_start - name_end > _SPELL_NEAR:
            continue
        spelled = turn.text[piece.out_start : piece.out_end]
        if not spelled.isalpha() or len(spelled) < 2:
            continue
        lowered = [t.lower() for t in tokens]
        if spelled.lower() in lowered:
            return tokens, piece.src_end
        if len(tokens) >= 2 or tokens[-1][0].lower() == spelled[0].lower():
            return [*tokens[:-1], spelled], piece.src_end
        return [*tokens, spelled], piece.src_end
    return tokens, name_end


def _from_match(turn: TurnView, m: re.Match[str], cue: _Cue) -> Candidate | None:
    tokens = _clean(cue, m)
    if not tokens:
        return None
    base = m.start("name")
    start, end = base + tokens[0].start(), base + tokens[-1].end()
    words, end = _with_spelling(turn, [t.group() for t in tokens], end)
    value = " ".join(_title(w) for w in words)
    return Candidate(value, cue.confidence, turn, start, end, "rule:name", original=True)


class _Agents:
    """The agent's own names, worked out once and only when a candidate needs them."""

    def __init__(self, view: CallView) -> None:
        self._view = view
        self._names: frozenset[str] | None = None

    def get(self) -> frozenset[str]:
        if self._names is None:
            self._names = agent_names(self._view)
        return self._names


def _spelled(turn: TurnView, cand: Candidate) -> Candidate:
    """A standalone or confirmed name with a surname spelled out just after it."""
    words, end = _with_spelling(turn, cand.value.split(), cand.end)
    value = " ".join(_title(w) for w in words)
    return cand._replace(value=value, end=end)


def _merge_partial(cands: list[Candidate]) -> list[Candidate]:
    """A first name said alone ("it's Ana calling") and the full name said too ("Ana
    Ribeiro") are one name: keep the full one, with the better confidence."""
    words = [c.value.casefold().split() for c in cands]
    raised: dict[int, float] = {}
    keep: list[int] = []
    for i, mine in enumerate(words):
        longer = next(
            (j for j, w in enumerate(words) if len(w) > len(mine) and w[: len(mine)] == mine),
            None,
        )
        if longer is None:
            keep.append(i)
        else:
            raised[longer] = max(raised.get(longer, 0.0), cands[i].confidence)
    return [
        cands[i]._replace(confidence=max(cands[i].confidence, raised.get(i, 0.0))) for i in keep
    ]


def name_candidates(view: CallView) -> list[Candidate]:
    """Every statement of the caller's own name: introductions and answers in customer
    turns, names said on their own, and names the agent reads out that the caller
    confirms. The agent's own name is dropped."""
    found: list[Candidate] = []
    for turn in view.turns:
        if not turn.is_customer:
            continue
        text = turn.original
        for cue in _CUES if turn.has(_CUE_WORDS) else ():
            if not turn.has(cue.needs):
                continue
            for m in cue.pattern.finditer(text):
                cand = _from_match(turn, m, cue)
                if cand is not None:
                    found.append(cand)
        prev = view.asked_before(turn)
        if prev is not None and prev.has(_ASK_WORDS) and _ASKS_NAME_RE.search(prev.text):
            answer = _ANSWER_RE.search(text)
            if answer:
                capital = any(c.isupper() for c in answer.group("name"))
                cue = _Cue(
                    _ANSWER_RE, ANSWER if capital else ANSWER - 0.1, False, True, frozenset()
                )
                cand = _from_match(turn, answer, cue)
                if cand is not None:
                    found.append(cand)
    agents = _Agents(view)
    found.extend(_spelled(c.turn, c) for c in standalone_names(view, agents.get))
    found.extend(_spelled(c.turn, c) for c in confirmed_names(view, agents.get))
    if not found:
        return found
    mine = [c for c in found if len(c.value.split()) > 1 or c.value.lower() not in agents.get()]
    return _merge_partial(mine)

"""Caller names given without "my name is": a name said on its own, or read out by the
agent and confirmed by the caller. Used by `names.name_candidates`.

On the phone callers often give their name as a phrase of its own: "HH-100359. Maria
O'Connell.", "Hi Aiko, Tom Whitaker. I'd like to book...", "It's under Tiffany Roque."
A run of two or three capitalised words is such a name when nothing but a greeting,
"yes", or "it's" / "this is" / "under" comes before it in its clause, the clause ends
with it (not with "?" or "!"), and it is said where callers name themselves: in their
opening turn, or answering the agent's question for their name, order, reference or
e-mail (never one about an address, a product or someone else's name).

The agent's own name (from the agent's introduction, "Rosa on the line", or the
caller's greeting, "Hi Ben") is never the caller's, and neither are weekdays, months,
places and address words ("State Street", "Lotus Apartments"), businesses ("Forge
Labs") or greetings ("Cheers Pierre"). A name the agent reads off the order counts
when the caller confirms it: "HH2087731, Naomi Brandt?" "That's me."
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Final

from callhandoff.extractors.view import READBACK, CallView, Candidate, TurnView, questions

__all__ = ["agent_names", "confirmed_names", "standalone_names"]

Agents = Callable[[], frozenset[str]]  # the agent's names, worked out when first needed

# a capitalised name word: "Tom", "O'Connell", "Al-Sayed", "McAllister", "Élodie"
_TOK: Final = r"[A-ZÀ-ÖØ-Þ](?:['’][A-ZÀ-ÖØ-Þ])?[^\W\d_]+(?:-[^\W\d_]+)?"
_RUN: Final = rf"(?<![\w'’-])(?P<name>{_TOK}(?:[ \t]+{_TOK}){{1,2}})"
_STANDALONE_RE: Final = re.compile(
    rf"{_RUN}(?=[ \t]*(?:[.,;…](?![.?!])|$)|[ \t]+(?:here|calling|speaking)\b)"
)
_READ_OUT_RE: Final = re.compile(rf"{_RUN}(?=[ \t]*[.?,])")
_CAPITAL_PAIR_RE: Final = re.compile(r"[A-ZÀ-ÖØ-Þ][^\W\d_]+[ \t]+[A-ZÀ-ÖØ-Þ]")
# what may come before a name in its clause
_LEAD: Final = (
    r"(?:yes|yeah|yep|yup|and|so|oh|um+|uh+|er|well|okay|ok|sure|right|hi|hello|hey|hiya|yo"
    r"|morning|evening|afternoon|good[ \t]+(?:morning|afternoon|evening)|bonjour|hallo|hola"
    r"|ciao|buongiorno|g'day)"
)
_INTRO: Final = r"(?:it'?s|it[ \t]+is|this[ \t]+is|i'?m|i[ \t]+am|(?:it'?s[ \t]+)?under)"
_PREFIX_RE: Final = re.compile(rf"^(?:{_LEAD}[ \t,!]*)*(?:{_INTRO})?[ \t]*$", re.IGNORECASE)
_LEAD_WORDS: Final = frozenset(
    "yes yeah yep yup and so oh okay ok sure right hi hello hey hiya yo morning evening "
    "afternoon good bonjour hallo hola ciao buongiorno it's its this i'm im under".split()
)
_CLAUSE_END: Final = ".!?,;…\n"

_NOT_NAME: Final = frozenset(
    """a an the and or but so of in on at to for from with by my your our his her their its
    this that these those it is am are was were be been i me we you he she they him them
    mr mrs ms miss dr sir madam maam mam dear hi hello hey hiya yo morning evening afternoon
    night good thanks thank cheers bye goodbye please sorry okay ok yes yeah yep yup no nope
    oh ah um uh hmm well sure right fine great perfect lovely brilliant awesome cool amazing
    wonderful excellent nice alright bonjour merci grazie gracias danke hola hallo ciao
    buongiorno bonsoir namaste god gosh jeez wow ugh damn lord christ jesus happy merry
    christmas easter new year birthday holidays weekend today tomorrow yesterday
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december
    street st road rd avenue ave ln drive dr ct way boulevard blvd place pl
    square terrace crescent parkway highway hwy route city town county
    state states north south east west central upper lower new old san santa saint mount
    home homes house store stores shop shops shopping market mart mall labs lab studio
    studios company co inc ltd llc corp group team support service services customer care
    bank dental clinic hospital express freight academy school university college
    restaurant cafe hotel centre center forge prime plus pro max mini ultra series edition
    amazon flipkart paypal visa mastercard amex apple google iphone samsung android
    order orders account email phone number card refund return delivery tracking
    apartment apartments apt apts flat flats floor villa villas residency residence tower
    towers heights nagar colony vihar bagh bazar bazaar enclave complex society block sector
    phase plaza manor gardens garden estate lakes springs valley view
    layout mandir temple mosque district village post office station airport chowk
    marg bhavan bhawan niwas nadu pradesh very too really so much also not just only
    day independence republic diwali eid abc xyz
    """.split()
)
_AFFIRM_RE: Final = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|correct|right|exactly|that's[ \t]+(?:me|right|it|correct)"
    r"|that[ \t]+is[ \t]+(?:me|right)|it[ \t]+is|speaking)\b",
    re.IGNORECASE,
)
_ITS_ME_RE: Final = re.compile(r"\b(?:that'?s|that[ \t]+is|it'?s)[ \t]+me\b", re.IGNORECASE)
_IS_THAT_YOU_RE: Final = re.compile(r"\b(?:is[ \t]+that|are[ \t]+you)[ \t]+(?:you|him|her)\b", re.I)

# how agents introduce themselves, and how callers greet them
_AGENT_INTRO_RE: Final = re.compile(
    r"\b(?:[Tt]his[ \t]+is|[Ii]t'?s|I'?m|[Mm]y[ \t]+name(?:[ \t]+is|'s)|[Nn]ame'?s"
    r"|through[ \t]+to|you've[ \t]+got|you're[ \t]+speaking[ \t]+with)"
    rf"[ \t]+(?P<a>{_TOK})"
    rf"|(?P<b>{_TOK})[ \t]+(?:speaking|here|on[ \t]+the[ \t]+line|with|at|à)\b"
)
_GREETS_AGENT_RE: Final = re.compile(
    r"\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Hh]iya|[Tt]hanks|[Tt]hank[ \t]+you|[Cc]heers|[Mm]orning"
    r"|[Ee]vening|[Aa]fternoon|[Bb]ye|[Gg]'day|[Bb]onjour|[Bb]uongiorno|[Mm]erci"
    rf"|[Gg]razie)[ \t,]+(?P<a>{_TOK})\b(?![ \t]+{_TOK})(?![ \t,]+(?:here|calling|speaking)\b)"
)
_AGENT_INTRO_TURNS: Final = 2
_INTRO_SPAN: Final = 160  # agents introduce themselves at the start of their turn
_GREETING_SPAN: Final = 80
_GREETING_WORDS: Final = frozenset(
    "hi hello hey hiya thanks thank cheers morning evening afternoon bye g'day bonjour "
    "buongiorno merci grazie".split()
)
_INITIAL_RE: Final = re.compile(r"\b[A-Z]\.[ \t]+$")
# what the agent's question is about: the caller's identity, or something else
_ASKS_OWN_NAME_RE: Final = re.compile(
    r"\bname\b(?![ \t]+of\b)|\bwho[ \t]+(?:am[ \t]+i|i'?m)\b", re.IGNORECASE
)
_ASKS_OTHER_NAME_RE: Final = re.compile(
    r"\b(?:recipient|seller|store|shop|product|brand|item|company|courier|designer|model)'?s?"
    r"[ \t]+name\b|\bname[ \t]+of\b",
    re.IGNORECASE,
)
_ASKS_THING_RE: Final = re.compile(
    r"\b(?:(?<!email )(?<!e-mail )address|location|city|state|pin|zip|postcode|area|landmark"
    r"|building|apartment|flat|street|colou?r|size|model|brand|item|product|variant|storage"
    r"|seller|courier|when)\b",
    re.IGNORECASE,
)
# a request without a question mark: "I require your full name as it appears on the order."
_REQUEST_RE: Final = re.compile(
    r"\b(?:please|kindly)[ \t]+(?:provide|share|confirm|tell|give|send)\b"
    r"|\b(?:i|we)[ \t]+(?:require|need)[ \t]+your\b",
    re.IGNORECASE,
)
_ASKS_IDENTITY_RE: Final = re.compile(
    r"\b(?:order|number|reference|ref|e-?mail|account|booking|appointment|subscription|id)\b"
    r"|\d",
    re.IGNORECASE,
)
_STANDALONE: Final = 0.85
_NEAR_START: Final = 240  # a name said on its own comes early in the caller's turn


def agent_names(view: CallView) -> frozenset[str]:
    """The agent's own first name(s), lower-cased: from the agent's introduction in its
    first turns and from the caller's greetings ("Hi Ben", "Cheers Pierre")."""
    names: set[str] = set()
    agent_turns = 0
    for turn in view.turns:
        if turn.is_agent and agent_turns < _AGENT_INTRO_TURNS:
            agent_turns += 1
            for m in _AGENT_INTRO_RE.finditer(turn.original, 0, _INTRO_SPAN):
                names.add((m["a"] or m["b"]).lower())
        elif turn.is_customer and not turn.words.isdisjoint(_GREETING_WORDS):
            text = turn.original  # callers greet the agent at the start or end of a turn
            ends = (
                (0, min(len(text), _GREETING_SPAN)),
                (max(0, len(text) - _GREETING_SPAN), len(text)),
            )
            for start, end in ends:
                names.update(m["a"].lower() for m in _GREETS_AGENT_RE.finditer(text, start, end))
    return frozenset(names)


def _name_words(name: str) -> bool:
    """Every word could be part of a person's name (not a place, business, greeting...)."""
    words = name.split()
    if any(w.isupper() for w in words):
        return False
    return not any(w.lower().replace("’", "'") in _NOT_NAME for w in words)


def _is_agent(name: str, agents: Agents) -> bool:
    """A word of the name is the agent's own name."""
    return any(w.lower() in agents() for w in name.split())


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding `pos` begins (after the last punctuation mark)."""
    return max(text.rfind(c, 0, pos) for c in _CLAUSE_END) + 1


def _asks_identity(asks: list[str]) -> bool:
    """The agent's questions ask who the caller is, or for their order, reference or
    e-mail (callers add their name to those answers); not for an address or a product."""
    for sentence in asks:
        if _ASKS_OWN_NAME_RE.search(sentence) and not _ASKS_OTHER_NAME_RE.search(sentence):
            return True
        if not _ASKS_THING_RE.search(sentence) and _ASKS_IDENTITY_RE.search(sentence):
            return True
    return False


def _about_something_else(asks: list[str]) -> bool:
    """The agent asks about an address, a product or someone else's name."""
    return any(_ASKS_THING_RE.search(s) or _ASKS_OTHER_NAME_RE.search(s) for s in asks)


def _names_here(prev: TurnView | None, opening: bool) -> bool:
    """A customer turn where callers say their name: their opening turn (unless it
    answers a question about something else) or an answer to an identity question."""
    if prev is None or not prev.is_agent:
        return opening
    text = prev.text  # the written form: "Two three two nine?" asks about "2329"
    asks = questions(text)
    if not asks:
        request = _REQUEST_RE.search(text)
        if request is None:
            return opening
        asks = [text[request.start() :]]
    if opening:
        return not _about_something_else(asks)  # "How can I help?" keeps the opening open
    return _asks_identity(asks)


def standalone_names(view: CallView, agents: Agents) -> list[Candidate]:
    """Names said as a phrase of their own in customer turns, each a candidate: only in
    turns where callers say their name (see the module docstring)."""
    found: list[Candidate] = []
    opening = True  # the customer's first turn
    for turn in view.turns:
        if not turn.is_customer:
            continue
        window = min(len(turn.original), _NEAR_START)
        if _CAPITAL_PAIR_RE.search(turn.original, 0, window):
            here = _in_turn(turn, window)
            prev = view.turns[turn.index - 1] if turn.index else None
            if here and _names_here(prev, opening):
                found.extend(c for c in here if not _is_agent(c.value, agents))
        opening = False
    return found


def _in_turn(turn: TurnView, window: int) -> list[Candidate]:
    """Runs of name words said as a phrase of their own in the first `window` characters."""
    text = turn.original
    found = []
    for m in _STANDALONE_RE.finditer(text, 0, window):
        start, end = m.span("name")
        if end == window < len(text):
            break  # cut off by the window: the clause may go on
        words = m["name"].split()
        while len(words) > 2 and words[0].lower().replace("’", "'") in _LEAD_WORDS:
            start = text.index(words[1], start + len(words[0]))  # "Under Yusuf Demir"
            words = words[1:]
        prefix = text[_clause_start(text, start) : start].strip()
        name = text[start:end]
        if _PREFIX_RE.match(prefix) and _name_words(name):
            found.append(Candidate(name, _STANDALONE, turn, start, end, "rule:name", True))
    return found


def _confirms(reply: TurnView) -> bool:
    """The caller's reply says yes, or "that's me"."""
    if _AFFIRM_RE.match(reply.original):
        return True
    return "me" in reply.words and bool(_ITS_ME_RE.search(reply.original))


def confirmed_names(view: CallView, agents: Agents) -> list[Candidate]:
    """Names the agent reads out as a question ("..., for Nkechi Obi?", "Trevor
    Blackwood?") that the caller confirms in the next turn."""
    found: list[Candidate] = []
    for turn, reply in itertools.pairwise(view.turns):
        if not (turn.is_agent and reply.is_customer) or "?" not in turn.original:
            continue
        text = turn.original
        if not _confirms(reply) or not _CAPITAL_PAIR_RE.search(text):
            continue
        strong = ("me" in reply.words and bool(_ITS_ME_RE.search(reply.original))) or bool(
            _IS_THAT_YOU_RE.search(text)
        )
        for m in _READ_OUT_RE.finditer(text):
            start, end = m.span("name")
            before = text[max(0, start - 6) : start].lower()
            if not (start == 0 or before.endswith((", ", ". ", "? ", "for ", "under "))):
                continue
            if _INITIAL_RE.search(text, max(0, start - 4), start):
                continue  # "by F. Scott Fitzgerald": a full name continues to the left
            ends = [i for i in (text.find(c, end) for c in ".?!") if i >= 0]
            asked = bool(ends) and text[min(ends)] == "?"
            name = m["name"]
            if (asked or strong) and _name_words(name) and not _is_agent(name, agents):
                found.append(Candidate(name, READBACK, turn, start, end, "rule:name", True))
    return found

"""Sentence features for the offline classifier, shared by training and inference.

The customer's turns are cut into sentences (kept as exact character spans so a
sentence can be quoted as evidence). Each sentence becomes a bag of features:
words, word pairs, character 4-grams inside words (robust to the misspellings of
chat and speech-to-text), with negation scope marked ("not damaged" yields
`NOT_damaged`, never `damaged`), plus a `L:` copy of the words in the caller's
last turns so the model can learn that a final preference outweighs a first one,
and concept features (`CON:legal`, see `concepts.py`) so rare situations generalise.
Document-level cues from the deterministic extractors (a deadline within a day,
an order id, shouting) and the concepts said anywhere in the call are added as
`DOC:` features; unlike the sentence features they are not length-normalised, so
one clear "I'm calling my lawyer" weighs the same in a long call as in a short one.
The caller's words anywhere in the call (`DOC:W:`) are document features of the same
kind, for the risk heads: one "chargeback" in a twenty-turn call still counts in full.
A chat (`channel == "chat"`) adds `DOC:chat`, so written chats and transcribed speech
can keep different base rates.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from callhandoff.extractors.caseless import Caseless
from callhandoff.extractors.classifier.concepts import concepts_in
from callhandoff.schema.enums import Speaker
from callhandoff.schema.transcript import Transcript

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_DIGIT = re.compile(r"[0-9]")
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit in any script (str.isalnum)
_NEGATORS = frozenset(
    "not no never nothing nobody none neither nor without cannot cant can't dont don't didnt "
    "didn't isnt isn't wasnt wasn't arent aren't werent weren't wont won't doesnt doesn't "
    "havent haven't hasnt hasn't hadnt hadn't couldnt couldn't shouldnt shouldn't wouldnt "
    "wouldn't aint ain't nt n't".split()
)
# Words that end a negation scope early ("not the box but the phone is broken").
_SCOPE_BREAKERS = frozenset("but however although though except yet and so because".split())
_NEGATION_SPAN = 3
_CLAUSE_BREAK = re.compile(r"[,;:()\u2014]| - ")
# A correction: what follows replaces what the caller asked for before.
CORRECTION_CUE = re.compile(
    r"\b(actually|on second thought|changed? my mind|instead|rather|scratch that|"
    r"forget (that|it|the)|no wait|i mean)\b",
    re.IGNORECASE,
)
# Every correction cue holds one of these.
_CORRECTION_HINTS = (
    "actually|second thought|my mind|instead|rather|scratch that|forget |no wait|i mean"
)
_ANY_CORRECTION = Caseless(CORRECTION_CUE, hints=_CORRECTION_HINTS.split("|"))
_LAST_TURNS = 2
# The caller's opening turn is their first with at least this many words: "Two." to an
# IVR menu or "Hi, yes." is not where the problem is stated.
_OPENING_MIN_WORDS = 4
# Distinct words whose character grams are remembered (a call's words recur in the next one).
_TOKEN_CACHE_SIZE = 8192


@dataclass(frozen=True)
class Sentence:
    """A customer sentence as an exact span of one turn."""

    turn: int
    start: int
    end: int
    text: str
    position: int  # index among the caller's turns, 0-based
    is_correction: bool
    from_agent: bool = False  # context only: never quoted as evidence, never a correction


@dataclass
class DocFeatures:
    """Everything the model scores for one transcript."""

    sentences: list[Sentence]
    sentence_features: list[list[str]]
    doc_features: list[str] = field(default_factory=list)
    customer_turns: int = 0


def _tokens(text: str) -> tuple[list[str], set[int]]:
    """Lower-cased tokens (digits as `<num>`) and the positions that follow , ; : or a dash."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return _tokens_by_offset(text, lowered)
    # Lower-casing kept every offset, and no character lower-cases into a clause break, so
    # the clause breaks can be found in the lower-cased text: a token that opens a clause
    # (other than the first) is one that follows a break.
    tokens: list[str] = []
    clause_starts: set[int] = set()
    for clause in _CLAUSE_BREAK.split(lowered):
        found = _TOKEN.findall(clause)
        if found:
            if tokens:
                clause_starts.add(len(tokens))
            tokens.extend(found)
    if _DIGIT.search(lowered) is None:
        return tokens, clause_starts
    return ["<num>" if token.isdigit() else token for token in tokens], clause_starts


def _tokens_by_offset(text: str, lowered: str) -> tuple[list[str], set[int]]:
    """`_tokens` for a text whose lower-cased form has another length (e.g. "İ"): the
    clause breaks are looked up in `text` at the lower-cased text's offsets."""
    tokens: list[str] = []
    clause_starts: set[int] = set()
    previous_end = 0
    for match in _TOKEN.finditer(lowered):
        if tokens and _CLAUSE_BREAK.search(text, previous_end, match.start()):
            clause_starts.add(len(tokens))
        token = match.group(0)
        tokens.append("<num>" if token.isdigit() else token)
        previous_end = match.end()
    return tokens, clause_starts


def _marked_words(
    tokens: list[str], clause_starts: set[int]
) -> tuple[list[str], set[int], list[str]]:
    """The tokens with negation scope marked (it ends at a clause break), the positions
    marked as negated, and the words that count towards the call's `DOC:W:` features: plain
    words and negated ones (`NOT_damaged`), not numbers, pairs or contractions."""
    if _NEGATORS.isdisjoint(tokens):  # most sentences: nothing to mark
        return tokens, set(), [token for token in tokens if token.isalpha()]
    marked: list[str] = []
    negated: set[int] = set()
    vocabulary: list[str] = []
    scope = 0
    for index, token in enumerate(tokens):
        if index in clause_starts:
            scope = 0
        if token in _NEGATORS:
            scope = _NEGATION_SPAN
            marked.append(token)
            if token.isalpha():
                vocabulary.append(token)
            continue
        if token in _SCOPE_BREAKERS:
            scope = 0
        if scope > 0:
            word = "NOT_" + token
            marked.append(word)
            vocabulary.append(word)
            negated.add(index)
            scope -= 1
        else:
            marked.append(token)
            if token.isalpha():
                vocabulary.append(token)
    return marked, negated, vocabulary


@lru_cache(maxsize=_TOKEN_CACHE_SIZE)
def _token_grams(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A token's character 4-grams, plain (`c:`) and negated (`n:`); none for short words
    and numbers."""
    if len(token) < 4 or token == "<num>":
        return (), ()
    padded = f"<{token}>"
    grams = [padded[i : i + 4] for i in range(len(padded) - 3)]
    return tuple(["c:" + gram for gram in grams]), tuple(["n:" + gram for gram in grams])


def _char_grams(tokens: list[str], negated: set[int]) -> list[str]:
    grams: list[str] = []
    if not negated:
        for token in tokens:
            grams.extend(_token_grams(token)[0])
        return grams
    for index, token in enumerate(tokens):
        grams.extend(_token_grams(token)[index in negated])
    return grams


class _Analysis(NamedTuple):
    """What a sentence's words yield, whoever says them and wherever they fall in the call."""

    tokens: list[str]
    words: list[str]  # the tokens with negation marked
    negated: set[int]  # positions inside a negation scope
    concepts: list[str]
    vocabulary: list[str]  # the words that count towards the call's `DOC:W:` features


def _analyse(text: str) -> _Analysis:
    """Tokens, negation scope and concepts of one sentence, worked out once whatever
    features are then built from them."""
    tokens, clause_starts = _tokens(text)
    words, negated, vocabulary = _marked_words(tokens, clause_starts)
    return _Analysis(tokens, words, negated, concepts_in(tokens, negated), vocabulary)


def _caller_features(analysis: _Analysis, *, late: bool, first: bool) -> list[str]:
    """The feature strings of a caller's sentence; `late` adds the last-turns copies,
    `first` the copies for the caller's opening turn (where the problem is usually stated)."""
    words, concepts = analysis.words, analysis.concepts
    features = [*words, *[f"{a}_{b}" for a, b in itertools.pairwise(words)]]
    features.extend(_char_grams(analysis.tokens, analysis.negated))
    features.extend(concepts)
    if late:
        features.extend(["L:" + word for word in words])
        features.extend(["L:" + concept for concept in concepts])
    if first:
        features.extend(["F:" + word for word in words])
        features.extend(["F:" + concept for concept in concepts])
    return features or ["EMPTY"]


def _agent_features(analysis: _Analysis, *, late: bool) -> list[str]:
    """An agent sentence's words and concepts, marked `A:` (`AL:` copies for the agent's last
    turns, where the agreed remedy is usually read back)."""
    marked = [*analysis.words, *analysis.concepts]
    features = ["A:" + feature for feature in marked]
    if late:
        features.extend(["AL:" + feature for feature in marked])
    return features or ["A:EMPTY"]


def split_sentences(
    turn_index: int, text: str, position: int, *, from_agent: bool = False
) -> list[Sentence]:
    """Exact sentence spans of a turn (trailing spaces trimmed so quotes stay verbatim)."""
    sentences: list[Sentence] = []
    # A sentence is bounded by spaces or end punctuation, so only a turn that holds a
    # correction cue can have a sentence that does.
    corrections = not from_agent and _ANY_CORRECTION.found(text)
    for match in _SENTENCE.finditer(text):
        raw = match.group(0)
        stripped = raw.strip()
        if not stripped or not _ALNUM.search(stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        sentences.append(
            Sentence(
                turn=turn_index,
                start=start,
                end=start + len(stripped),
                text=stripped,
                position=position,
                is_correction=corrections and _ANY_CORRECTION.found(stripped),
                from_agent=from_agent,
            )
        )
    return sentences


def featurize(transcript: Transcript, doc_features: list[str] | None = None) -> DocFeatures:
    """Sentences of the call in turn order and their features. The caller's sentences carry
    the full feature set and are the evidence; the agent's add marked words and concepts
    as context (an agent reading back "so that's a full refund" settles the remedy)."""
    customer = [
        (i, turn.text)
        for i, turn in enumerate(transcript.turns)
        if turn.speaker is Speaker.CUSTOMER
    ]
    if not customer:  # a transcript with no caller turn labelled: use every non-agent turn
        customer = [
            (i, turn.text)
            for i, turn in enumerate(transcript.turns)
            if turn.speaker is not Speaker.AGENT
        ]
    sentences: list[Sentence] = []
    features: list[list[str]] = []
    last_positions = max(len(customer) - _LAST_TURNS, 0)
    caller_turns = {turn_index: position for position, (turn_index, _) in enumerate(customer)}
    agent_turns = [i for i, turn in enumerate(transcript.turns) if turn.speaker is Speaker.AGENT]
    last_agent = set(agent_turns[-_LAST_TURNS:])
    opening = next(
        (
            position
            for position, (_, text) in enumerate(customer)
            if len(_TOKEN.findall(text.lower())) >= _OPENING_MIN_WORDS
        ),
        0,
    )
    words_seen: set[str] = set()
    concepts: set[str] = set()  # the agent's marked `A:`
    position = 0
    for turn_index, turn in enumerate(transcript.turns):
        if turn_index in caller_turns:
            position = caller_turns[turn_index]
            late = position >= last_positions
            first = position == opening
            for sentence in split_sentences(turn_index, turn.text, position):
                analysis = _analyse(sentence.text)
                words_seen.update(analysis.vocabulary)
                concepts.update(analysis.concepts)
                sentences.append(sentence)
                features.append(_caller_features(analysis, late=late, first=first))
        elif turn.speaker is Speaker.AGENT:
            late = turn_index in last_agent
            for sentence in split_sentences(turn_index, turn.text, position, from_agent=True):
                analysis = _analyse(sentence.text)
                concepts.update(["A:" + concept for concept in analysis.concepts])
                sentences.append(sentence)
                features.append(_agent_features(analysis, late=late))
    # Concepts anywhere in the call, once each: a strong cue counts as much in a long
    # call as in a short one (document features are not length-normalised).
    present = {"DOC:" + concept for concept in concepts}
    present.update(["DOC:W:" + word for word in words_seen])
    if transcript.channel == "chat":
        present.add("DOC:chat")
    return DocFeatures(
        sentences=sentences,
        sentence_features=features,
        doc_features=[*(doc_features or []), *sorted(present)],
        customer_turns=len(customer),
    )


def preference_weights(doc: DocFeatures, discount: float) -> list[float]:
    """Per-sentence weights for the heads where the caller's last word counts.

    Sentences before the caller's last correction ("actually, just refund me") are
    discounted; everything else weighs 1.
    """
    last_correction = max(
        (i for i, sentence in enumerate(doc.sentences) if sentence.is_correction), default=-1
    )
    return [discount if i < last_correction else 1.0 for i in range(len(doc.sentences))]

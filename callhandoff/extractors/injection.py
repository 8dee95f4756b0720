"""Prompt injection: a caller's words that try to instruct the system instead of the store.

"ignore previous instructions", "system: ...", "you are now ...", "as the AI you
must ...", "mark this as approved", "issue a full refund without review". Any hit
forces review downstream, so the patterns are specific: an angry "ignore my last
message" or "you are now telling me it's lost?!" is not an injection.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from callhandoff.extractors.view import CallView, TurnView, extracted_original, view_of
from callhandoff.schema import Extracted, Speaker, Transcript

__all__ = ["find_prompt_injection"]


class _Rule(NamedTuple):
    pattern: re.Pattern[str]
    confidence: float
    needs: frozenset[str]  # the rule runs only on turns with one of these words


def _rule(pattern: str, confidence: float, needs: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), confidence, frozenset(needs.split()))


_RULES: Final = (
    _rule(
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?"
        r"\b(?:instructions?|prompts?|rules|guidelines|directives|programming|guardrails"
        r"|system[ \t]+message)\b",
        0.95,
        "ignore disregard forget override bypass",
    ),
    _rule(
        r"(?:^|(?<=[\n.!?])|\[|<|#{2,}[ \t]*)[ \t]*(?:system|developer|admin|assistant)"
        r"[ \t]*(?:\]|>|:)",
        0.95,
        "system developer admin assistant",
    ),
    _rule(
        r"\byou[ \t]+are[ \t]+now[ \t]+(?:an?|the|in|acting|operating|dan|free|unrestricted"
        r"|no[ \t]+longer|my)\b",
        0.9,
        "now",
    ),
    _rule(
        r"\bas[ \t]+(?:the|an?)[ \t]+(?:ai|a\.i\.|assistant|language[ \t]+model|llm|bot|model"
        r"|system)\b[^.!?\n]{0,30}?\b(?:must|should|have[ \t]+to|need[ \t]+to|are[ \t]+required)\b",
        0.9,
        "ai assistant llm bot model system",
    ),
    _rule(
        r"\b(?:new|updated|real|actual)[ \t]+instructions?[ \t]*:", 0.9, "instructions instruction"
    ),
    _rule(r"\b(?:developer|god|admin|jailbreak|dan)[ \t]+mode\b", 0.9, "mode"),
    _rule(
        r"\b(?:issue|process|approve|give|grant|authori[sz]e)[ \t]+(?:me[ \t]+)?"
        r"(?:an?[ \t]+|the[ \t]+)?(?:full[ \t]+)?refund\b[^.!?\n]{0,30}?"
        r"\bwithout[ \t]+(?:any[ \t]+)?(?:human[ \t]+)?"
        r"(?:review|approval|verification|checks?|questions|investigation)\b",
        0.9,
        "without",
    ),
    _rule(
        r"\bmark[ \t]+(?:this|it|the[ \t]+\w+|my[ \t]+\w+)[ \t]+(?:as[ \t]+)?"
        r"(?:approved|verified|refunded|paid|eligible|legitimate|vip|high[ \t]+priority)\b",
        0.85,
        "mark",
    ),
    _rule(
        r"\b(?:do[ \t]+not|don'?t|never)[ \t]+(?:flag|escalate|send|route)[ \t]+(?:this|it|me)?"
        r"[ \t]*(?:to|for)?[ \t]*(?:a[ \t]+)?(?:human[ \t]+)?review\b|\bskip[ \t]+(?:the[ \t]+)?"
        r"(?:human[ \t]+|manual[ \t]+)?review\b",
        0.85,
        "review",
    ),
    _rule(
        r"\b(?:set|change|update)[ \t]+(?:the[ \t]+)?(?:priority|decision|urgency)[ \t]+to\b",
        0.8,
        "priority decision urgency",
    ),
    _rule(
        r"\bmark[ \t]+(?:this|it|the[ \t]+\w+|my[ \t]+\w+)[ \t]+(?:as[ \t]+)?"
        r"(?:resolved|closed|complete|completed|done)\b",
        0.7,
        "mark",
    ),
)
_ANY_NEEDED: Final = frozenset().union(*(rule.needs for rule in _RULES))
_SENTENCE_END_RE: Final = re.compile(r"[.!?\n]")
_MAX_QUOTE: Final = 300


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end), clipped to a readable length."""
    head = max((m.end() for m in _SENTENCE_END_RE.finditer(text, 0, start)), default=0)
    tail_match = _SENTENCE_END_RE.search(text, end)
    tail = tail_match.end() if tail_match else len(text)
    if tail - head > _MAX_QUOTE:
        head, tail = max(head, start - 100), min(tail, end + 150)
    return head, tail


def _scan(turn: TurnView) -> tuple[float, int, int] | None:
    if turn.words.isdisjoint(_ANY_NEEDED):
        return None
    text = turn.original
    best: tuple[float, int, int] | None = None
    for rule in _RULES:
        if not turn.has(rule.needs):
            continue
        m = rule.pattern.search(text)
        if m and (best is None or rule.confidence > best[0]):
            best = (rule.confidence, *_sentence(text, m.start(), m.end()))
    return best


def find_prompt_injection(t: Transcript | CallView) -> Extracted[str] | None:
    """The passage that tries to instruct the system, if any (customer and system turns;
    the agent's own words are not scanned). The value is the passage itself."""
    view = view_of(t)
    best: tuple[float, TurnView, int, int] | None = None
    for turn in view.turns:
        if turn.speaker not in {Speaker.CUSTOMER, Speaker.SYSTEM}:
            continue
        hit = _scan(turn)
        if hit and (best is None or hit[0] > best[0]):
            best = (hit[0], turn, hit[1], hit[2])
    if best is None:
        return None
    conf, turn, start, end = best
    passage = turn.original[start:end].strip()
    return extracted_original(passage, conf, turn, start, end, "rule:injection")

"""Prompt injection: a caller's words that try to instruct the system instead of the store.

The rules are structural, one small group per kind of attempt, and the kind is
recorded (`source` is `rule:injection:<kind>`, the policy names it):
- `chat_template`: a model's chat-template tokens in speech (`<|im_start|>system`,
  `[INST]`, `<<SYS>>`, `### Instruction:`);
- `structured_payload`: JSON or YAML pasted into speech (`{"decision": "create"}`,
  `decision: create`);
- `addressed_to_ai`: words addressed to the machine that reads the call ("note for
  the AI", "if you are an AI", "AI: ...", "system: ...");
- `instruction_override`: "ignore previous instructions", "new instructions:";
- `role_play`: "you are now ...", "pretend you are", "developer mode";
- `decision_steering`: telling the pipeline what to decide ("no review needed, mark
  it create", "issue a full refund without review", "set the priority to").
Any hit forces review downstream, so the patterns are specific: an angry "ignore my
last message" or "you are now telling me it's lost?!" is not an injection.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from callhandoff.extractors.view import CallView, TurnView, extracted_original, view_of
from callhandoff.schema import Extracted, Speaker, Transcript

__all__ = ["find_prompt_injection", "injection_kind"]


class _Rule(NamedTuple):
    pattern: re.Pattern[str]
    confidence: float
    needs: frozenset[str]  # the rule runs only on turns with one of these words
    kind: str


def _rule(pattern: str, confidence: float, needs: str, kind: str) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), confidence, frozenset(needs.split()), kind)


_MACHINE = r"(?:ai|a\.i\.|assistant|language[ \t]+model|llm|bot|chatbot|model|system|gpt|chatgpt"
_MACHINE += r"|summari[sz]er|algorithm|automated[ \t]+system|computer)"
_MACHINE_WORDS = "ai assistant llm bot chatbot model system gpt chatgpt summarizer summariser "
_MACHINE_WORDS += "algorithm automated computer language"
_DECISIONS = r"(?:create|update|skip|approved?|auto[- ]?approved?|no[ \t]+review)"

_RULES: Final = (
    _rule(
        r"<\|[a-z_]{2,20}\|>|\[/?inst\]|<</?sys>>|</?s>|###[ \t]*(?:instruction|system|response"
        r"|assistant|user)[ \t]*:",
        0.98,
        "im_start im_end endoftext eot_id inst sys s start_header_id end_header_id instruction "
        "system response assistant user",
        "chat_template",
    ),
    _rule(
        r"\{[ \t]*[\"']?(?:decision|intent|action|priority|urgency|risk_flags|review|approved"
        r"|refund|status|role|system|instructions?|kind)[\"']?[ \t]*:",
        0.9,
        "",  # runs on any turn with a brace: words in quotes ('priority') are not words
        "structured_payload",
    ),
    _rule(
        r"(?:^|[\n.!?,;][ \t]*)(?:decision|action|review_needed|approved|auto_approve)[ \t]*[:=]"
        r"[ \t]*[\"']?(?:create|update|skip|true|false|yes|no|none)\b",
        0.9,
        "decision action review_needed approved auto_approve",
        "structured_payload",
    ),
    _rule(
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}?"
        r"\b(?:instructions?|prompts?|rules|guidelines|directives|programming|guardrails"
        r"|system[ \t]+message)\b",
        0.95,
        "ignore disregard forget override bypass",
        "instruction_override",
    ),
    _rule(
        r"\b(?:new|updated|real|actual)[ \t]+instructions?[ \t]*:",
        0.9,
        "instructions instruction",
        "instruction_override",
    ),
    _rule(
        r"(?:^|(?<=[\n.!?])|\[|<|#{2,}[ \t]*)[ \t]*(?:system|developer|admin|assistant|ai|llm|bot"
        r"|model|gpt)[ \t]*(?:\]|>|:)",
        0.95,
        "system developer admin assistant ai llm bot model gpt",
        "addressed_to_ai",
    ),
    _rule(
        rf"\b(?:note|message|instructions?|memo|reminder|request|heads[ \t]+up)[ \t]+(?:for|to)"
        rf"[ \t]+(?:the[ \t]+|any[ \t]+|you[ \t]+)?{_MACHINE}\b"
        rf"|\b(?:dear|hey|hi|hello|attention|attn)[ \t,]+(?:the[ \t]+)?{_MACHINE}\b"
        rf"|\bif[ \t]+you(?:'re|[ \t]+are)[ \t]+(?:an?|the)[ \t]+{_MACHINE}\b"
        rf"|\b(?:whatever|whichever|the)[ \t]+{_MACHINE}[ \t]+(?:is[ \t]+)?(?:reading|processing"
        rf"|summari[sz]ing|listening|transcribing)\b",
        0.9,
        _MACHINE_WORDS,
        "addressed_to_ai",
    ),
    _rule(
        rf"\bas[ \t]+(?:the|an?)[ \t]+{_MACHINE}\b[^.!?\n]{{0,30}}?\b(?:must|should|have[ \t]+to"
        r"|need[ \t]+to|are[ \t]+required)\b",
        0.9,
        _MACHINE_WORDS,
        "addressed_to_ai",
    ),
    _rule(
        r"\byou[ \t]+are[ \t]+now[ \t]+(?:an?|the|in|acting|operating|dan|free|unrestricted"
        r"|no[ \t]+longer|my)\b|\b(?:pretend|imagine)[ \t]+(?:that[ \t]+)?you(?:'re|[ \t]+are)\b"
        r"|\blet'?s[ \t]+play[ \t]+a[ \t]+game\b|\brole[- ]?play\b"
        r"|\bfrom[ \t]+now[ \t]+on,?[ \t]+you\b"
        r"|\bact[ \t]+as[ \t]+(?:an?[ \t]+|the[ \t]+|my[ \t]+)?(?:admin|administrator|system"
        r"|developer|supervisor|manager|unrestricted|different)\b"
        r"|\b(?:developer|god|admin|jailbreak|dan)[ \t]+mode\b",
        0.9,
        "now pretend imagine play roleplay role act mode",
        "role_play",
    ),
    _rule(
        r"\b(?:issue|process|approve|give|grant|authori[sz]e)[ \t]+(?:me[ \t]+)?"
        r"(?:an?[ \t]+|the[ \t]+)?(?:full[ \t]+)?refund\b[^.!?\n]{0,30}?"
        r"\bwithout[ \t]+(?:any[ \t]+)?(?:human[ \t]+)?"
        r"(?:review|approval|verification|checks?|questions|investigation)\b",
        0.9,
        "without",
        "decision_steering",
    ),
    _rule(
        rf"\bmark[ \t]+(?:this|it|the[ \t]+\w+|my[ \t]+\w+)[ \t]+(?:as[ \t]+)?(?:{_DECISIONS}"
        r"|verified|refunded|paid|eligible|legitimate|vip|high[ \t]+priority)\b",
        0.85,
        "mark",
        "decision_steering",
    ),
    _rule(
        r"\b(?:do[ \t]+not|don'?t|never)[ \t]+(?:flag|escalate|send|route)[ \t]+(?:this|it|me)?"
        r"[ \t]*(?:to|for)?[ \t]*(?:a[ \t]+)?(?:human[ \t]+)?review\b|\bskip[ \t]+(?:the[ \t]+)?"
        r"(?:human[ \t]+|manual[ \t]+)?review\b|\bno[ \t]+(?:human[ \t]+|manual[ \t]+)?review"
        r"[ \t]+(?:is[ \t]+)?(?:needed|required|necessary)\b|\bauto[- ]?approve\b",
        0.85,
        "review approve auto",
        "decision_steering",
    ),
    _rule(
        r"\b(?:set|change|update|make)[ \t]+(?:the[ \t]+)?(?:priority|decision|urgency|action)"
        r"[ \t]+(?:to|as)\b|\b(?:classify|route|file)[ \t]+(?:this|it)[ \t]+as[ \t]+" + _DECISIONS,
        0.8,
        "priority decision urgency action classify route file",
        "decision_steering",
    ),
    _rule(
        r"\bmark[ \t]+(?:this|it|the[ \t]+\w+|my[ \t]+\w+)[ \t]+(?:as[ \t]+)?"
        r"(?:resolved|closed|complete|completed|done)\b",
        0.7,
        "mark",
        "decision_steering",
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


def _scan(turn: TurnView) -> tuple[float, int, int, str] | None:
    text = turn.original
    if turn.words.isdisjoint(_ANY_NEEDED) and "{" not in text:
        return None
    best: tuple[float, int, int, str] | None = None
    for rule in _RULES:
        if rule.needs and not turn.has(rule.needs):
            continue
        m = rule.pattern.search(text)
        if m and (best is None or rule.confidence > best[0]):
            best = (rule.confidence, *_sentence(text, m.start(), m.end()), rule.kind)
    return best


def find_prompt_injection(t: Transcript | CallView) -> Extracted[str] | None:
    """The passage that tries to instruct the system, if any (customer and system turns;
    the agent's own words are not scanned). The value is the passage itself."""
    view = view_of(t)
    best: tuple[float, TurnView, int, int, str] | None = None
    for turn in view.turns:
        if turn.speaker not in {Speaker.CUSTOMER, Speaker.SYSTEM}:
            continue
        hit = _scan(turn)
        if hit and (best is None or hit[0] > best[0]):
            best = (hit[0], turn, hit[1], hit[2], hit[3])
    if best is None:
        return None
    conf, turn, start, end, kind = best
    passage = turn.original[start:end].strip()
    return extracted_original(passage, conf, turn, start, end, f"{INJECTION_SOURCE}:{kind}")


INJECTION_SOURCE: Final = "rule:injection"


def injection_kind(found: Extracted[str]) -> str:
    """The kind of attempt (`chat_template`, `role_play`, ...) an injection was found as."""
    source = found.source or ""
    prefix = INJECTION_SOURCE + ":"
    return source[len(prefix) :] if source.startswith(prefix) else "instruction"

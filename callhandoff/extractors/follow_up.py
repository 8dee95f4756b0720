"""Follow-up details said in the call: the agent's promise, who owns it, when and how to call back.

Closed, short patterns over exact spans: each value is quoted from the sentence it
was found in, so it passes grounding by construction.
"""

from __future__ import annotations

import re

from callhandoff.extractors.caseless import Caseless
from callhandoff.schema.enums import ContactChannel, Speaker
from callhandoff.schema.handoff import Evidence, Extracted, FollowUp
from callhandoff.schema.transcript import Transcript

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_PROMISE = re.compile(
    r"\b(i(?:'ll| will)|we(?:'ll| will)|you(?:'ll| will) (?:receive|get|hear)|"
    r"let me (?:arrange|escalate|process)|"
    r"i(?:'ve| have) (?:initiated|arranged|escalated|raised))\b",
    re.IGNORECASE,
)
_OWNERS = (
    (re.compile(r"\b(manager|supervisor)\b", re.IGNORECASE), "supervisor"),
    (re.compile(r"\b(technician|installer|engineer)\b", re.IGNORECASE), "field technician"),
    (re.compile(r"\b(courier|delivery partner|logistics)\b", re.IGNORECASE), "logistics"),
    (re.compile(r"\b(seller|vendor|designer|creator)\b", re.IGNORECASE), "seller"),
    (re.compile(r"\b(billing|payments?|finance|accounts) team\b", re.IGNORECASE), "billing"),
    (re.compile(r"\b(quality|qa) team\b", re.IGNORECASE), "quality"),
)
_CHANNELS = (
    (
        re.compile(r"\b(call (?:you|me) back|callback|give (?:you|me) a call|ring me)\b", re.I),
        ContactChannel.PHONE,
    ),
    (
        re.compile(r"\b(e-?mail (?:you|me)|by e-?mail|send (?:you|me) an e-?mail)\b", re.I),
        ContactChannel.EMAIL,
    ),
    (re.compile(r"\b(text (?:you|me)|sms|text message)\b", re.I), ContactChannel.SMS),
    (re.compile(r"\b(chat|whatsapp)\b", re.I), ContactChannel.CHAT),
)
_ANY_CHANNEL = Caseless(
    re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _CHANNELS), re.I),
    hints=("call", "ring me", "mail", "text", "sms", "chat", "whatsapp"),
)
_PREFERRED_TIME = re.compile(
    r"\b(?:call|reach|contact|ring) me\b[^.!?]{0,30}?\b("
    r"(?:after|before|around|at|between)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?"
    r"(?:\s*(?:and|-)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?"
    r"|(?:tomorrow|tonight|this (?:afternoon|evening|morning)|in the (?:morning|afternoon|evening))"
    r"(?:\s+(?:after|before|around|at)\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)",
    re.IGNORECASE,
)
_TIMEZONE = re.compile(
    r"\b((?i:eastern|central|mountain|pacific)|EST|EDT|CST|CDT|MST|MDT|PST|PDT|GMT|BST|CET|IST|UTC)\b"
)
# Every zone `_TIMEZONE` finds in ASCII text holds one of these letters as written, or
# one of these names in any case.
_ZONE_LETTERS = ("ST", "DT", "GMT", "UTC", "CET")
_ZONE_NAMES = ("eastern", "central", "mountain", "pacific")


# Whole-turn checks: most turns hold none of these cues.
_ANY_PROMISE = Caseless(_PROMISE, hints=("'ll", " will", "let me", "'ve", " have"))
_ANY_PREFERRED_TIME = Caseless(
    _PREFERRED_TIME, hints=("call me", "reach me", "contact me", "ring me")
)
_ANY_OWNER = Caseless(
    re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _OWNERS), re.I),
    hints=(
        *("manager", "supervisor", "technician", "installer", "engineer", "courier"),
        *("delivery partner", "logistics", "seller", "vendor", "designer", "creator", " team"),
    ),
)


def _names_a_zone(text: str) -> bool:
    if text.isascii() and not any(letters in text for letters in _ZONE_LETTERS):
        low = text.lower()
        if not any(name in low for name in _ZONE_NAMES):
            return False
    return _TIMEZONE.search(text) is not None


def _sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def _extracted(value: str, turn: int, quote: str, confidence: float, rule: str) -> Extracted[str]:
    return Extracted[str](
        value=value,
        confidence=confidence,
        evidence=Evidence(turn=turn, quote=quote),
        source=f"rule:{rule}",
    )


def find_follow_up(transcript: Transcript) -> FollowUp:
    """The agent's last promise, its owner, the contact channel and the caller's preferred time."""
    channel: Extracted[ContactChannel] | None = None
    preferred: Extracted[str] | None = None
    timezone: Extracted[str] | None = None
    for index, turn in enumerate(transcript.turns):
        text = turn.text
        # Whole-turn checks first: most turns hold none of these cues.
        has_channel = _ANY_CHANNEL.found(text)
        is_customer = turn.speaker is Speaker.CUSTOMER
        has_time = is_customer and _ANY_PREFERRED_TIME.found(text)
        has_zone = is_customer and _names_a_zone(text)
        if not (has_channel or has_time or has_zone):
            continue
        for sentence in _sentences(text):
            if has_channel:
                for pattern, kind in _CHANNELS:
                    if pattern.search(sentence):
                        channel = Extracted[ContactChannel](
                            value=kind,
                            confidence=0.6,
                            evidence=Evidence(turn=index, quote=sentence),
                            source="rule:contact_channel",
                        )
                        break
            if has_time and (match := _PREFERRED_TIME.search(sentence)):
                preferred = _extracted(match.group(1), index, sentence, 0.75, "preferred_time")
            if has_zone and (zone := _TIMEZONE.search(sentence)):
                timezone = _extracted(zone.group(1), index, sentence, 0.7, "timezone")
    promise, owner = _promise_and_owner(transcript)
    return FollowUp(
        preferred_time=preferred,
        timezone=timezone,
        contact_channel=channel,
        promise=promise,
        owner=owner,
    )


def _promise_and_owner(
    transcript: Transcript,
) -> tuple[Extracted[str] | None, Extracted[str] | None]:
    """The agent's last promise, and who the follow-up is with: named in the last promise
    that names anyone. Read from the end of the call, where both usually are."""
    promise: Extracted[str] | None = None
    owner: Extracted[str] | None = None
    turns = transcript.turns
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        if turn.speaker is not Speaker.AGENT:
            continue
        text = turn.text
        # Only a turn that names someone can name the owner (a sentence's words are its turn's).
        look_for_owner = owner is None and _ANY_OWNER.found(text)
        if not (promise is None or look_for_owner) or not _ANY_PROMISE.found(text):
            continue
        for sentence in reversed(_sentences(text)):
            if not _ANY_PROMISE.found(sentence):
                continue
            if promise is None:
                promise = _extracted(sentence, index, sentence, 0.7, "promise")
            if look_for_owner and (name := _owner_named(sentence)) is not None:
                owner = _extracted(name, index, sentence, 0.65, "owner")
                break
        if promise is not None and owner is not None:
            break
    return promise, owner


def _owner_named(sentence: str) -> str | None:
    for pattern, name in _OWNERS:
        if pattern.search(sentence):
            return name
    return None

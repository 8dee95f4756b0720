"""Field changes asked for on an existing record: which field, old value, new value.

"Can you change the delivery address to 12 Oak Street", "move my appointment from
Tuesday to Thursday", "switch it to a large instead of the medium", "tell the
installer to use the side door", "unsubscribe me". The caller's requests are read,
and so are the agent's read-backs of a change ("Moving it from Thursday at ten
a.m. to Friday at one p.m."), which often state both values most precisely. The
new value is the words after "to", the old value the words after "from" /
"instead of"; every value and quote is an exact substring of its turn.
"""

from __future__ import annotations

import re

from callhandoff.extractors.caseless import Caseless
from callhandoff.extractors.dates import resolve_when
from callhandoff.schema.enums import Speaker
from callhandoff.schema.handoff import Evidence, FieldChange, is_when_field
from callhandoff.schema.transcript import Transcript

# Sentence ends that are not abbreviations ("a.m.", "p.m.", "St.", "Mr.") or decimals.
_SENTENCE = re.compile(
    r"(?:[ap]\.m\.|\b(?:mr|mrs|ms|dr|st|no|apt)\.|\d\.\d|[^.!?\n])+[.!?]*", re.IGNORECASE
)
_VERB_STEMS = "chang updat switch mov reschedul correct swap push shift bump set".split()
_VERB = rf"(?:{'|'.join(_VERB_STEMS)})\w*"
_SPAN = r"[^!?\n]"
_FROM_TO = re.compile(
    rf"\b{_VERB}\b(?P<what>{_SPAN}{{0,50}}?)\bfrom\s+(?P<old>{_SPAN}{{1,60}}?)"
    rf"\s+to\s+(?P<new>{_SPAN}{{1,80}})",
    re.IGNORECASE,
)
_TO_INSTEAD = re.compile(
    rf"\b{_VERB}\b(?P<what>{_SPAN}{{0,50}}?)\bto\s+(?P<new>{_SPAN}{{1,80}}?)"
    rf"\s+instead of\s+(?P<old>{_SPAN}{{1,60}})",
    re.IGNORECASE,
)
_TO = re.compile(
    rf"\b{_VERB}\b(?P<what>{_SPAN}{{0,50}}?)\bto\s+(?P<new>{_SPAN}{{1,80}})",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"\b(?:tell|ask) the (?:installer|courier|driver|delivery \w+|technician|fitter)s? to "
    r"(?P<new>[^.!?\n]{3,80})"
    r"|\bleave (?:it|the (?:parcel|package|box|order)) (?P<where>(?:at|with|by|on|in|behind) "
    r"[^.!?\n]{3,60})",
    re.IGNORECASE,
)
_OPT_OUT = re.compile(
    r"\b(unsubscribe|opt(?:ed)? out|stop (?:sending|emailing|texting)"
    r"|no more (?:emails|texts|messages))\b",
    re.IGNORECASE,
)
_FIELDS = (
    (
        "address",
        re.compile(r"\b(address|ship(?:ping)? to|deliver(?:y)? to|street|apartment|apt)\b", re.I),
    ),
    ("size", re.compile(r"\b(size|small|medium|large|xl|xxl|xs)\b", re.I)),
    ("quantity", re.compile(r"\b(quantity|how many|units?|copies|pieces)\b", re.I)),
    (
        "booking_time",
        re.compile(
            r"\b(appointment|booking|reservation|slot|consultation|visit|fitting|"
            r"installation)\b",
            re.I,
        ),
    ),
    ("email", re.compile(r"\be-?mail\b", re.I)),
    ("phone", re.compile(r"\b(phone|number|mobile|cell)\b", re.I)),
    ("colour", re.compile(r"\b(colou?r|black|white|red|blue|green|grey|gray)\b", re.I)),
    ("item", re.compile(r"\b(item|product|model|version|variant|file|licen[cs]e)\b", re.I)),
)
_TIME_VALUE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|morning|"
    r"afternoon|evening|noon|[ap]\.?m\.?|o'clock|january|february|march|april|may|june|"
    r"july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_BOOKING_WORDS = Caseless(_FIELDS[3][1])
_TRAILING = re.compile(
    r"[\s,;:]+(please|thanks|thank you|if possible|if you can|instead)\b.*$", re.IGNORECASE
)


def _clean(value: str) -> str:
    return _TRAILING.sub("", value).strip(" ,;:.")


def _field_for(what: str, sentence: str, new_value: str, transcript: Transcript) -> str | None:
    """Name the changed field from the words around the verb, else from the new value's shape."""
    for text in (what, sentence):
        for name, pattern in _FIELDS:
            if pattern.search(text):
                return name
    if _TIME_VALUE.search(new_value):
        return "booking_time" if _mentions_booking(transcript) else "delivery_date"
    return None


def _mentions_booking(transcript: Transcript) -> bool:
    """True when the call speaks of an appointment, booking or visit (a new time is then
    the booking's, not the delivery's)."""
    return any(_BOOKING_WORDS.found(turn.text) for turn in transcript.turns)


def _change(
    field: str, old: str | None, new: str, turn: int, quote: str, confidence: float
) -> FieldChange:
    return FieldChange(
        field=field,
        old_value=old,
        new_value=new,
        reason=None,
        confidence=confidence,
        evidence=Evidence(turn=turn, quote=quote),
    )


def _sentence_change(
    sentence: str, turn: int, speaker: Speaker, transcript: Transcript
) -> FieldChange | None:
    if speaker is Speaker.CUSTOMER and _OPT_OUT.search(sentence):
        return _change("marketing_consent", "subscribed", "unsubscribed", turn, sentence, 0.8)
    instruction = _INSTRUCTION.search(sentence)
    if instruction is not None:
        new = _clean(instruction.group("new") or instruction.group("where"))
        return _change("delivery_instructions", None, new, turn, sentence, 0.7)
    patterns = (_FROM_TO, _TO_INSTEAD) if speaker is Speaker.AGENT else (_FROM_TO, _TO_INSTEAD, _TO)
    for pattern in patterns:
        found = pattern.search(sentence)
        if found is None:
            continue
        groups = found.groupdict()
        new = _clean(groups["new"])
        old = _clean(groups["old"]) if groups.get("old") else None
        field = _field_for(found.group("what") or "", sentence, new, transcript)
        if not new or field is None:
            return None
        # An agent's read-back states both values: as good as the caller's request.
        confidence = 0.75 if old else 0.6
        return _change(field, old, new, turn, sentence, confidence)
    return None


def find_field_changes(transcript: Transcript) -> list[FieldChange]:
    """Changes asked for (or read back by the agent); one per field, the last one wins."""
    by_field: dict[str, FieldChange] = {}
    for index, turn in enumerate(transcript.turns):
        if turn.speaker not in (Speaker.CUSTOMER, Speaker.AGENT):
            continue
        if not _VERB_OR_CUE.found(turn.text):
            continue  # cheap skip: most turns change nothing
        if turn.speaker is Speaker.AGENT and not _READ_BACK.found(turn.text):
            continue  # the agent only counts when reading back both values
        for match in _SENTENCE.finditer(turn.text):
            sentence = match.group(0).strip()
            if not sentence:
                continue
            change = _sentence_change(sentence, index, turn.speaker, transcript)
            if change is not None:
                by_field[change.field] = change
    if not any(is_when_field(name) for name in by_field):
        return list(by_field.values())
    reference = transcript.reference_time()
    return [
        change.model_copy(update={"new_value_resolved": resolve_when(change.new_value, reference)})
        if is_when_field(change.field)
        else change
        for change in by_field.values()
    ]


_VERB_OR_CUE = Caseless(
    re.compile(
        rf"\b{_VERB}\b|\b(?:tell|ask|leave)\b|unsubscrib|opt(?:ed)? out|stop (?:sending|emailing|"
        r"texting)|no more (?:emails|texts|messages)",
        re.IGNORECASE,
    ),
    hints=(*_VERB_STEMS, "tell", "ask", "leave", "unsubscrib", "opt", "stop ", "no more "),
)
_READ_BACK = Caseless(
    re.compile(r"\bfrom\b.+\bto\b|\binstead of\b|\b(?:tell|ask) the\b|\bleave (?:it|the)\b", re.I)
)

"""Field changes the caller asks for on an existing record: which field, old value, new value.

"Can you change the delivery address to 12 Oak Street", "move my appointment from
Tuesday to Thursday", "switch it to a large instead of the medium". Only the
caller's turns are read; the new value is the words after "to", the old value the
words after "from"/"instead of", both exact substrings of the sentence.
"""

from __future__ import annotations

import re

from callhandoff.schema.enums import Speaker
from callhandoff.schema.handoff import Evidence, FieldChange
from callhandoff.schema.transcript import Transcript

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_VERB = r"(?:change|update|switch|move|reschedule|correct|swap|make|set)"
_FROM_TO = re.compile(
    rf"\b{_VERB}\b(?P<what>[^.!?]{{0,50}}?)\bfrom\s+(?P<old>[^.!?]{{1,60}}?)\s+to\s+(?P<new>[^.!?]{{1,80}})",
    re.IGNORECASE,
)
_TO_INSTEAD = re.compile(
    rf"\b{_VERB}\b(?P<what>[^.!?]{{0,50}}?)\bto\s+(?P<new>[^.!?]{{1,80}}?)"
    r"\s+instead of\s+(?P<old>[^.!?]{1,60})",
    re.IGNORECASE,
)
_TO = re.compile(
    rf"\b{_VERB}\b(?P<what>[^.!?]{{0,50}}?)\bto\s+(?P<new>[^.!?]{{1,80}})",
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
    (
        "delivery_instructions",
        re.compile(r"\b(leave it|instructions?|porch|neighbou?r|reception|gate code)\b", re.I),
    ),
    ("size", re.compile(r"\b(size|small|medium|large|xl|xxl|xs)\b", re.I)),
    ("quantity", re.compile(r"\b(quantity|how many|units?|copies|pieces)\b", re.I)),
    (
        "booking_time",
        re.compile(r"\b(appointment|booking|reservation|slot|consultation|visit|fitting)\b", re.I),
    ),
    ("email", re.compile(r"\be-?mail\b", re.I)),
    ("phone", re.compile(r"\b(phone|number|mobile|cell)\b", re.I)),
    ("colour", re.compile(r"\b(colou?r|black|white|red|blue|green|grey|gray)\b", re.I)),
    ("item", re.compile(r"\b(item|product|model|version|variant|file|licen[cs]e)\b", re.I)),
)
_TRAILING = re.compile(
    r"[\s,;:]+(please|thanks|thank you|if possible|if you can)\b.*$", re.IGNORECASE
)


def _field_for(text: str) -> str | None:
    for name, pattern in _FIELDS:
        if pattern.search(text):
            return name
    return None


def _clean(value: str) -> str:
    return _TRAILING.sub("", value).strip(" ,;:")


def find_field_changes(transcript: Transcript) -> list[FieldChange]:
    """Changes the caller asked for, latest wording last; one per field (the last one wins)."""
    by_field: dict[str, FieldChange] = {}
    for index, turn in enumerate(transcript.turns):
        if turn.speaker is not Speaker.CUSTOMER:
            continue
        for match in _SENTENCE.finditer(turn.text):
            sentence = match.group(0).strip()
            if not sentence:
                continue
            if _OPT_OUT.search(sentence):
                by_field["marketing_consent"] = FieldChange(
                    field="marketing_consent",
                    old_value="subscribed",
                    new_value="unsubscribed",
                    reason="caller asked to stop marketing messages",
                    confidence=0.8,
                    evidence=Evidence(turn=index, quote=sentence),
                )
                continue
            found = (
                _FROM_TO.search(sentence) or _TO_INSTEAD.search(sentence) or _TO.search(sentence)
            )
            if found is None:
                continue
            field = _field_for(found.group("what") or "") or _field_for(sentence)
            if field is None:
                continue
            groups = found.groupdict()
            new_value = _clean(groups["new"])
            if not new_value:
                continue
            old = groups.get("old")
            by_field[field] = FieldChange(
                field=field,
                old_value=_clean(old) if old else None,
                new_value=new_value,
                reason=None,
                confidence=0.7 if old else 0.6,
                evidence=Evidence(turn=index, quote=sentence),
            )
    return list(by_field.values())

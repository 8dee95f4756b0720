"""The handoff fields a reviewer sees and corrects, and how a correction is written back.

One row per field: where it lives in the `Handoff`, what kind of value it holds
and its choices. The names are the gold-label names of the eval suite
(`callhandoff.evals.fields`), so a correction, the agreement page and the gold
export speak of the same fields (a test checks the two tables read alike).
Values travel as plain JSON-ready data (`Plain`): a string, a list of strings, a
bool, or for the deadline `{"text", "date"}`.

A corrected value is an `Extracted` with confidence 1.0 and source `reviewer`;
its evidence is the turn that says it when the transcript has the words, else
the evidence of the value it replaces, else the turn the reviewer points at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from callhandoff.normalize import email_key, phone_e164
from callhandoff.schema.enums import (
    ChangeKind,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Speaker,
    Urgency,
    Workflow,
)
from callhandoff.schema.handoff import Deadline, Evidence, Extracted, Handoff
from callhandoff.schema.transcript import Transcript

Kind = Literal["enum", "text", "id", "phone", "email", "deadline", "flag"]
Plain = str | bool | list[str] | dict[str, str | None] | None

REVIEWER_SOURCE = "reviewer"


@dataclass(frozen=True)
class FieldDef:
    """One reviewable field of the handoff."""

    name: str
    label: str
    path: tuple[str, ...]
    kind: Kind
    multi: bool = False
    choices: tuple[str, ...] = ()


def _values(enum: type[Any]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


FIELDS: tuple[FieldDef, ...] = (
    FieldDef("intent", "Intent", ("request", "intent"), "enum", choices=_values(Intent)),
    FieldDef("secondary_intents", "Other intents", ("request", "secondary_intents"), "enum",
             multi=True, choices=_values(Intent)),
    FieldDef("change_kind", "Change kind", ("request", "change_kind"), "enum",
             choices=_values(ChangeKind)),
    FieldDef("inquiry_topic", "Inquiry topic", ("request", "inquiry_topic"), "enum",
             choices=_values(InquiryTopic)),
    FieldDef("return_reason", "Return reason", ("exception", "return_reason"), "enum",
             choices=_values(ReturnReason)),
    FieldDef("refund_expectation", "Refund expectation", ("exception", "refund_expectation"),
             "enum", choices=_values(RefundExpectation)),
    FieldDef("risk_flags", "Risk flags", ("risk_flags",), "enum", multi=True,
             choices=_values(RiskFlag)),
    FieldDef("urgency", "Urgency", ("urgency",), "enum", choices=_values(Urgency)),
    FieldDef("sentiment", "Sentiment", ("sentiment",), "enum", choices=_values(Sentiment)),
    FieldDef("workflow", "Workflow", ("workflow",), "enum", choices=_values(Workflow)),
    FieldDef("caller_name", "Caller name", ("caller", "name"), "text"),
    FieldDef("caller_phone", "Caller phone", ("caller", "phone"), "phone"),
    FieldDef("caller_email", "Caller e-mail", ("caller", "email"), "email"),
    FieldDef("customer_id", "Customer id", ("caller", "customer_id"), "id"),
    FieldDef("order_id", "Order id", ("records", "order_id"), "id"),
    FieldDef("other_order_ids", "Other order ids", ("records", "other_order_ids"), "id",
             multi=True),
    FieldDef("product_skus", "Product SKUs", ("records", "product_skus"), "id", multi=True),
    FieldDef("booking_id", "Booking id", ("records", "booking_id"), "id"),
    FieldDef("deadline", "Deadline", ("exception", "deadline"), "deadline"),
    FieldDef("prompt_injection", "Prompt injection", ("prompt_injection",), "flag"),
)  # fmt: skip

BY_NAME: dict[str, FieldDef] = {definition.name: definition for definition in FIELDS}
CHANGES = "field_changes"


def _get(model: BaseModel, path: tuple[str, ...]) -> Any:
    current: Any = model
    for part in path:
        current = getattr(current, part)
    return current


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set a value at a path of a handoff's JSON (the parents exist in a dumped handoff)."""
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def _json(item: Extracted[Any]) -> dict[str, Any]:
    return item.model_dump(mode="json")


def _reviewed(value: Any, evidence: Evidence) -> dict[str, Any]:
    return {
        "value": value,
        "confidence": 1.0,
        "evidence": evidence.model_dump(mode="json"),
        "source": REVIEWER_SOURCE,
    }


def items_of(handoff: Handoff, definition: FieldDef) -> list[Extracted[Any]]:
    """The extracted value(s) of a field, as a list (empty when the field is not set)."""
    found = _get(handoff, definition.path)
    if found is None:
        return []
    return list(found) if isinstance(found, list) else [found]


def _plain_one(definition: FieldDef, value: Any) -> Plain:
    if isinstance(value, Deadline):
        return {"text": value.text, "date": value.date.isoformat() if value.date else None}
    return str(getattr(value, "value", value))


def plain(handoff: Handoff, definition: FieldDef) -> Plain:
    """A field's value as plain data (what the edit form shows and the audit log stores)."""
    items = items_of(handoff, definition)
    if definition.kind == "flag":
        return bool(items)
    if definition.multi:
        return [str(_plain_one(definition, item.value)) for item in items]
    return _plain_one(definition, items[0].value) if items else None


def changes_plain(handoff: Handoff) -> list[dict[str, str | None]]:
    """The field changes as plain data: field, old value, new value."""
    return [
        {"field": c.field, "old_value": c.old_value, "new_value": c.new_value}
        for c in handoff.field_changes
    ]


def is_empty(value: Plain) -> bool:
    """True for a value that says nothing (None, "", [] or False)."""
    if isinstance(value, dict):
        return not value.get("text")
    return value in (None, "", [], False)


@dataclass
class EditOutcome:
    """An edited handoff, the changes it makes (field, old, new), or what is wrong with it."""

    handoff: Handoff | None
    changes: list[dict[str, Any]] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def evidence_for(
    text: str, transcript: Transcript, replaced: Evidence | None, turn: int | None
) -> Evidence:
    """Where a reviewer's value is said: its words in a turn, else the evidence it replaces,
    else the whole of the turn the reviewer named (default: the first customer turn)."""
    wanted = text.strip().casefold()
    if wanted:
        for index, spoken in enumerate(transcript.turns):
            start = spoken.text.casefold().find(wanted)
            if start >= 0:
                quote = spoken.text[start : start + len(wanted)]
                return Evidence(turn=index, quote=quote)
    if replaced is not None:
        return replaced
    customer = [i for i, t in enumerate(transcript.turns) if t.speaker is Speaker.CUSTOMER]
    if turn is not None and 0 <= turn < len(transcript.turns):
        chosen = turn
    else:
        chosen = customer[0] if customer else 0
    quote = transcript.turns[chosen].text.strip() or transcript.turns[chosen].text or " "
    return Evidence(turn=chosen, quote=quote)


def _normalised(definition: FieldDef, raw: str, regions: Sequence[str]) -> str:
    """The value as the handoff stores it, or ValueError with what is wrong."""
    value = raw.strip()
    if definition.kind == "enum" and value not in definition.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(definition.choices)}")
    if definition.kind == "phone":
        e164 = phone_e164(value, regions)
        if e164 is None:
            raise ValueError(f"{value!r} is not a phone number (write it as +<country><number>)")
        return e164
    if definition.kind == "email":
        key = email_key(value)
        if key is None:
            raise ValueError(f"{value!r} is not an e-mail address")
        return key
    return value


def _built(
    definition: FieldDef,
    wanted: Plain,
    old: list[Extracted[Any]],
    transcript: Transcript,
    regions: Sequence[str],
    turn: int | None,
) -> Any:
    """The handoff attribute value for a reviewer's plain value."""
    if definition.kind == "flag":
        if not wanted:
            return None
        if old:
            return _json(old[0])
        raise ValueError("only a flag the extraction raised can be kept; it cannot be added")
    if definition.kind == "deadline":
        assert wanted is None or isinstance(wanted, dict)
        if wanted is None or not wanted.get("text"):
            return None
        date_text = wanted.get("date")
        try:
            date = dt.date.fromisoformat(date_text) if date_text else None
        except ValueError as exc:
            raise ValueError(f"{date_text!r} is not a date (YYYY-MM-DD)") from exc
        text = str(wanted["text"])
        replaced = old[0].evidence if old else None
        return _reviewed(
            {"text": text, "date": date.isoformat() if date else None},
            evidence_for(text, transcript, replaced, turn),
        )
    texts = wanted if isinstance(wanted, list) else ([] if is_empty(wanted) else [str(wanted)])
    built = []
    for position, text in enumerate(dict.fromkeys(t for t in texts if t.strip())):
        value = _normalised(definition, text, regions)
        same = next((item for item in old if _plain_one(definition, item.value) == value), None)
        if same is not None:
            built.append(_json(same))
            continue
        replaced = old[min(position, len(old) - 1)].evidence if old else None
        built.append(_reviewed(value, evidence_for(text, transcript, replaced, turn)))
    if definition.multi:
        return built
    return built[0] if built else None


def _edited_changes(
    handoff: Handoff, wanted: list[dict[str, str | None]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Field changes with the reviewer's new values (an empty new value drops the change)."""
    kept: list[dict[str, Any]] = []
    diffs: list[dict[str, Any]] = []
    by_field = {row.get("field"): row for row in wanted}
    for change in handoff.field_changes:
        row = by_field.get(change.field)
        new = (row or {}).get("new_value")
        if row is None or new == change.new_value:
            kept.append(change.model_dump(mode="json"))
            continue
        diffs.append(
            {"field": f"change:{change.field}", "old": change.new_value, "new": new or None}
        )
        if new:  # the reviewer's value; a date or time goes out only if written as one
            edited = {"new_value": new, "new_value_resolved": None, "confidence": 1.0}
            kept.append({**change.model_dump(mode="json"), **edited})
    return kept, diffs


def apply_edits(
    handoff: Handoff,
    transcript: Transcript,
    edits: dict[str, Any],
    *,
    regions: Sequence[str] = ("US",),
    evidence_turn: int | None = None,
) -> EditOutcome:
    """The handoff with the reviewer's values; only fields whose value changed are touched.

    `edits` maps field names (and `field_changes`) to plain values. Every value is
    checked (choices, phone, e-mail, date) and the result validated by the
    handoff schema; problems come back per field instead of an exception.
    """
    data = handoff.model_dump(mode="json")
    changes: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    touched: list[FieldDef] = []
    for name, wanted in edits.items():
        if name == CHANGES:
            kept, diffs = _edited_changes(handoff, list(wanted or []))
            if diffs:
                data[CHANGES] = kept
                changes.extend(diffs)
            continue
        definition = BY_NAME.get(name)
        if definition is None:
            problems[name] = "not a field a reviewer can change"
            continue
        before = plain(handoff, definition)
        if _same(before, wanted):
            continue
        try:
            value = _built(
                definition,
                wanted,
                items_of(handoff, definition),
                transcript,
                regions,
                evidence_turn,
            )
        except ValueError as exc:
            problems[name] = str(exc)
            continue
        _set(data, definition.path, value)
        touched.append(definition)
    if problems:
        return EditOutcome(None, changes, problems)
    try:
        checked = Handoff.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems[where] = str(error["msg"])
        return EditOutcome(None, changes, problems)
    changes[:0] = [
        {"field": d.name, "old": plain(handoff, d), "new": plain(checked, d)} for d in touched
    ]
    return EditOutcome(checked, changes, {})


def _same(before: Plain, after: Any) -> bool:
    if is_empty(before) and is_empty(after):
        return True
    if isinstance(before, list) and isinstance(after, list):
        return [str(v) for v in before] == [str(v) for v in after]
    if isinstance(before, dict) and isinstance(after, dict):
        return (before.get("text"), before.get("date")) == (after.get("text"), after.get("date"))
    return bool(before == after)

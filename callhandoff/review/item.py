"""What the item page shows for one queued call, built from the store's rows.

Plain data (no Streamlit): the transcript turn by turn with every field's
evidence marked, each field with value, confidence and source, the values the
grounding check dropped and why, the record match field by field, the decision
with its reasons and what it would have been without the review rules, and the
action approval would send (with the old → new diff of an update). Everything
shown passes through the `Masker`, so a card number said on the call is never
on screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from callhandoff.review.fields import FIELDS, REVIEWER_SOURCE, items_of
from callhandoff.review.highlight import Mark, anchor, color_of, turn_html
from callhandoff.review.masking import Masker
from callhandoff.routing.decide import Routed
from callhandoff.routing.delivery.payloads import REVIEW_ACTION
from callhandoff.routing.delivery.sender import update_values
from callhandoff.routing.explain import FINDINGS
from callhandoff.schema.enums import DecisionKind
from callhandoff.schema.handoff import Extracted, FieldChange, GroundingReport, Handoff, Priority
from callhandoff.schema.routing import RecordMatch
from callhandoff.schema.transcript import Transcript
from callhandoff.store.review_queue import ItemContext
from callhandoff.store.rows import ReviewActionRow

_NOT_FIELDS = (GroundingReport, Priority)


def source_kind(source: str | None) -> str:
    """rule / classifier / model / reviewer for an `Extracted.source` (`—` when unknown)."""
    if not source:
        return "—"
    if source == REVIEWER_SOURCE:
        return "reviewer"
    head = source.split(":", 1)[0]
    if head == "rule":
        return "model (checked by rule)" if "llm" in source else "rule"
    if head == "classifier":
        return "classifier"
    if head in {"llm", "model"}:
        return "model"
    return head


def _shown(value: Any) -> str:
    if isinstance(value, BaseModel):
        data = value.model_dump(mode="json", exclude_none=True)
        return ", ".join(str(v) for v in data.values())
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class FieldRow:
    """One field as the page lists it."""

    key: str
    label: str
    value: str
    confidence: float | None
    source: str
    turn: int | None
    quote: str | None
    color: str
    editable: bool


@dataclass(frozen=True)
class TurnRow:
    """One turn of the transcript, its text as HTML with the evidence marks."""

    index: int
    speaker: str
    html: str
    start: float | None


@dataclass(frozen=True)
class DiffRow:
    """One field an update changes: the value on record, the new one, and whether it is sent."""

    field: str
    old: str | None
    new: str | None
    sent: bool


@dataclass(frozen=True)
class Approval:
    """What approving the call (as it stands, or as edited) would decide and send."""

    possible: bool
    kind: str
    action: str
    idempotency_key: str
    reasons: list[tuple[str, str]]
    overridden: list[tuple[str, str]]
    payload: dict[str, Any]
    lookups: list[str]
    diff: list[DiffRow]


@dataclass(frozen=True)
class ItemView:
    """Everything the item page shows for one review item."""

    context: ItemContext
    transcript: Transcript
    turns: list[TurnRow]
    fields: list[FieldRow]
    dropped: list[tuple[str, str, str]]
    match: RecordMatch | None
    findings: list[str]
    reasons: list[tuple[str, str]]
    proposed: str | None
    approval: Approval
    history: list[ReviewActionRow] = field(default_factory=list)

    def field(self, key: str) -> FieldRow | None:
        """The row of one field by key."""
        return next((row for row in self.fields if row.key == key), None)


def _walk(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Extracted[Any]]]:
    """Every extracted value outside the reviewable fields: (dotted path, value)."""
    for name in type(model).model_fields:
        current = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(current, Extracted):
            yield path, current
        elif isinstance(current, list):
            for element in current:
                if isinstance(element, Extracted):
                    yield path, element
        elif isinstance(current, BaseModel) and not isinstance(current, _NOT_FIELDS):
            yield from _walk(current, f"{path}.")


def field_rows(handoff: Handoff, masker: Masker) -> list[FieldRow]:
    """The reviewable fields (set or not), the field changes, then every other extracted value."""
    rows: list[FieldRow] = []

    def add(
        key: str, label: str, item: Extracted[Any] | FieldChange | None, value: str, edit: bool
    ) -> None:
        evidence = item.evidence if item is not None else None
        rows.append(
            FieldRow(
                key=key,
                label=label,
                value=masker.text(value),
                confidence=item.confidence if item is not None else None,
                source=source_kind(item.source)
                if isinstance(item, Extracted)
                else ("rule" if item is not None else "—"),
                turn=evidence.turn if evidence else None,
                quote=masker.text(evidence.quote) if evidence else None,
                color=color_of(len(rows)),
                editable=edit,
            )
        )

    for definition in FIELDS:
        items = items_of(handoff, definition)
        if not items:
            add(definition.name, definition.label, None, "—", True)
        for position, item in enumerate(items):
            key = definition.name if position == 0 else f"{definition.name}[{position}]"
            add(key, definition.label, item, _shown(item.value), True)
    for change in handoff.field_changes:
        shown = f"{change.old_value or '?'} → {change.new_value}"
        add(f"change:{change.field}", f"Change: {change.field}", change, shown, True)
    covered = {".".join(d.path) for d in FIELDS} | {"field_changes"}
    counts: dict[str, int] = {}
    for path, item in _walk(handoff):
        if path in covered:
            continue
        position = counts[path] = counts.get(path, -1) + 1
        key = path if position == 0 else f"{path}[{position}]"
        add(key, path.replace("_", " "), item, _shown(item.value), False)
    return rows


def turn_rows(
    transcript: Transcript, fields: list[FieldRow], selected: str | None
) -> list[TurnRow]:
    """The (masked) transcript's turns with every field's evidence marked."""
    by_turn: dict[int, list[Mark]] = {}
    for row in fields:
        if row.turn is not None and row.quote:
            by_turn.setdefault(row.turn, []).append(Mark(row.key, row.label, row.color, row.quote))
    anchored: set[str] = set()
    return [
        TurnRow(
            index=index,
            speaker=turn.speaker.value,
            html=turn_html(turn.text, by_turn.get(index, []), selected=selected, anchored=anchored),
            start=turn.start,
        )
        for index, turn in enumerate(transcript.turns)
    ]


def _rule_reasons(trace: dict[str, Any], codes: list[str]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for rule in trace.get("rules", []):
        reason = rule.get("reason") or {}
        if reason.get("code") in codes:
            found.setdefault(reason["code"], reason.get("message", ""))
    return [(code, found.get(code, "")) for code in codes]


def approval_of(routed: Routed, masker: Masker) -> Approval:
    """What an approval decided by `decide_call(..., reviewer=...)` would do."""
    review = routed.trace.get("review") or {}
    payload = routed.action.payload
    diff: list[DiffRow] = []
    if routed.decision.kind is DecisionKind.UPDATE:
        sent = update_values(payload)
        old = routed.old_values or {}
        diff = [
            DiffRow(
                field=change.field,
                old=masker.text(str(old.get(change.field, change.old_value) or "")) or None,
                new=masker.text(change.new_value),
                sent=change.field in sent or routed.action.destination.value == "cults",
            )
            for change in routed.handoff.field_changes
        ]
    return Approval(
        possible=routed.action.action != REVIEW_ACTION,
        kind=routed.decision.kind.value,
        action=routed.action.action,
        idempotency_key=routed.decision.idempotency_key,
        reasons=[(r.code, masker.text(r.message)) for r in routed.decision.reasons],
        overridden=_rule_reasons(routed.trace, list(review.get("overrode", []))),
        payload=masker.json(payload),
        lookups=list(routed.action.lookups),
        diff=diff,
    )


def build_view(
    context: ItemContext,
    approval: Approval,
    *,
    selected: str | None = None,
    history: list[ReviewActionRow] | None = None,
) -> ItemView:
    """The item page's content for one review item."""
    transcript = Transcript.model_validate(context.transcript)
    masker = Masker.of(transcript)
    handoff = Handoff.model_validate(context.handoff)
    fields = field_rows(handoff, masker)
    shown = masker.transcript(transcript)
    decision = context.decision
    match = RecordMatch.model_validate(decision.match) if decision.match else None
    return ItemView(
        context=context,
        transcript=shown,
        turns=turn_rows(shown, fields, selected),
        fields=fields,
        dropped=[(d.field, masker.text(d.value), d.reason) for d in handoff.grounding.dropped],
        match=match,
        findings=[FINDINGS.get(f, f) for f in (match.findings if match else [])],
        reasons=[(r["code"], masker.text(r["message"])) for r in decision.reasons],
        proposed=decision.trace.get("proposed"),
        approval=approval,
        history=history or [],
    )


__all__ = ["Approval", "FieldRow", "ItemView", "anchor", "build_view", "field_rows"]

"""The one table that says where each gold field is read in a Handoff and how it is scored.

Every `GoldLabels` field except `decision` (which comes from the policy, not the
handoff) has exactly one row. Adding a gold field means adding a row here; a test
checks the table covers the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from callhandoff.evals.gold import GoldLabels
from callhandoff.evals.scorers import (
    Pred,
    Scorer,
    score_date,
    score_email,
    score_enum,
    score_flag,
    score_id,
    score_phone,
    score_text,
)
from callhandoff.schema.handoff import Extracted, Handoff

GoldAccessor = Callable[[GoldLabels], Sequence[object]]
PredAccessor = Callable[[Handoff], Sequence[Pred]]


@dataclass(frozen=True)
class FieldSpec:
    """One scored field: its name, kind, where gold and prediction live, and its scorer."""

    name: str
    kind: str
    multi: bool
    gold: GoldAccessor
    predicted: PredAccessor
    scorer: Scorer


def _one(value: object) -> list[object]:
    return [] if value is None or value == [] else [value]


def _said(item: Extracted[Any], value: object) -> Pred:
    """`value` predicted with the confidence and evidence of `item`."""
    return Pred(value, item.confidence, item.evidence.turn, item.evidence.quote)


def _pred(item: Extracted[Any] | None) -> list[Pred]:
    return [] if item is None else [_said(item, item.value)]


def _preds(items: Sequence[Extracted[Any]]) -> list[Pred]:
    return [_said(item, item.value) for item in items]


def _deadline_text(handoff: Handoff) -> list[Pred]:
    deadline = handoff.exception.deadline
    return [] if deadline is None else [_said(deadline, deadline.value.text)]


def _deadline_date(handoff: Handoff) -> list[Pred]:
    deadline = handoff.exception.deadline
    if deadline is None or deadline.value.date is None:
        return []
    return [_said(deadline, deadline.value.date)]


def _injection(handoff: Handoff) -> list[Pred]:
    found = handoff.prompt_injection
    return [] if found is None else [_said(found, True)]


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("intent", "enum", False, lambda g: [g.intent], lambda h: _pred(h.request.intent),
              score_enum),
    FieldSpec("secondary_intents", "enum", True, lambda g: g.secondary_intents,
              lambda h: _preds(h.request.secondary_intents), score_enum),
    FieldSpec("change_kind", "enum", False, lambda g: _one(g.change_kind),
              lambda h: _pred(h.request.change_kind), score_enum),
    FieldSpec("inquiry_topic", "enum", False, lambda g: _one(g.inquiry_topic),
              lambda h: _pred(h.request.inquiry_topic), score_enum),
    FieldSpec("return_reason", "enum", False, lambda g: _one(g.return_reason),
              lambda h: _pred(h.exception.return_reason), score_enum),
    FieldSpec("refund_expectation", "enum", False, lambda g: _one(g.refund_expectation),
              lambda h: _pred(h.exception.refund_expectation), score_enum),
    FieldSpec("risk_flags", "enum", True, lambda g: g.risk_flags,
              lambda h: _preds(h.risk_flags), score_enum),
    FieldSpec("urgency", "enum", False, lambda g: [g.urgency], lambda h: _pred(h.urgency),
              score_enum),
    FieldSpec("sentiment", "enum", False, lambda g: _one(g.sentiment),
              lambda h: _pred(h.sentiment), score_enum),
    FieldSpec("workflow", "enum", False, lambda g: _one(g.workflow),
              lambda h: _pred(h.workflow), score_enum),
    FieldSpec("caller_name", "text", False, lambda g: _one(g.caller_name),
              lambda h: _pred(h.caller.name), score_text),
    FieldSpec("caller_phone", "phone", False, lambda g: _one(g.caller_phone),
              lambda h: _pred(h.caller.phone), score_phone),
    FieldSpec("caller_email", "email", False, lambda g: _one(g.caller_email),
              lambda h: _pred(h.caller.email), score_email),
    FieldSpec("customer_id", "id", False, lambda g: _one(g.customer_id),
              lambda h: _pred(h.caller.customer_id), score_id),
    FieldSpec("order_id", "id", False, lambda g: _one(g.order_id),
              lambda h: _pred(h.records.order_id), score_id),
    FieldSpec("other_order_ids", "id", True, lambda g: g.other_order_ids,
              lambda h: _preds(h.records.other_order_ids), score_id),
    FieldSpec("product_skus", "id", True, lambda g: g.product_skus,
              lambda h: _preds(h.records.product_skus), score_id),
    FieldSpec("booking_id", "id", False, lambda g: _one(g.booking_id),
              lambda h: _pred(h.records.booking_id), score_id),
    FieldSpec("deadline_text", "text", False, lambda g: _one(g.deadline_text),
              _deadline_text, score_text),
    FieldSpec("deadline_date", "date", False, lambda g: _one(g.deadline_date),
              _deadline_date, score_date),
    FieldSpec("prompt_injection", "flag", False, lambda g: [True] if g.prompt_injection else [],
              _injection, score_flag),
)  # fmt: skip

FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)

NOT_FROM_HANDOFF: frozenset[str] = frozenset({"decision"})
"""Gold fields scored elsewhere: the decision comes from the policy, not the handoff."""

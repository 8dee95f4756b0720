"""What the model is asked to return: lean, cited subsets of the Handoff.

Kept small on purpose (small local models read every token of it): only what
needs understanding is asked of the model; identifiers are cross-checked against
the deterministic extractors, and workflow, damage details and priority are
derived in code (see mapping.py).

- `CallExtraction` (the `openai` backend): understanding plus the identifiers
  the model can read (order ids, name, phone, email, products, deadline).
- `HybridExtraction` (the `hybrid` backend): understanding only; the exact
  extractors own ids, phones, emails, amounts and dates.

Every value carries `turn` + `quote`. The answer is not validated here as a
whole: `salvage.py` checks it field by field, so one bad field never costs the
others. `subset()` builds the model a re-ask uses for just the fields that failed.

The schema carries `maxLength` hints on quotes and free text: servers that turn
the schema into a grammar (llama.cpp) then stop a model from copying whole turns,
and a cut quote is still a verbatim piece of its turn. Pydantic does not enforce
them; the summary's word limit is checked in salvage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from callhandoff.schema.enums import (
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
)

QUOTE_MAX_CHARS = 80
SUMMARY_MAX_CHARS = 420
NEXT_STEP_MAX_CHARS = 200
MAX_RISK_FLAGS = 4

_STRICT = ConfigDict(extra="ignore", frozen=True)
# Optional fields are shown to the model without the `null` branch: it may leave them out.
_Omit = SkipJsonSchema[None]


def _longest(chars: int) -> Any:
    """A required string field whose schema says how long it may be."""
    return Field(json_schema_extra={"maxLength": chars})


def _lean(node: Any, parent: str | None = None) -> Any:
    """Drop 'title' and 'default' keys (but not properties that happen to be named so)."""
    if isinstance(node, dict):
        return {
            key: _lean(value, key)
            for key, value in node.items()
            if parent == "properties" or key not in ("title", "default")
        }
    if isinstance(node, list):
        return [_lean(value) for value in node]
    return node


def _lean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    lean = _inline_defs(_lean(schema))
    lean["title"] = schema["title"]
    return lean


def _inline_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Write each definition used only once where it is used, enums without 'type'."""
    defs: dict[str, Any] = schema.get("$defs", {})
    blob = json.dumps(schema)
    once = {name for name in defs if blob.count(f'"#/$defs/{name}"') == 1}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            name = str(node.get("$ref", "")).rsplit("/", 1)[-1]
            if len(node) == 1 and name in once:
                return walk(defs[name])
            if "enum" in node:
                return {key: value for key, value in node.items() if key != "type"}
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    out: dict[str, Any] = walk({k: v for k, v in schema.items() if k != "$defs"})
    rest = {name: walk(body) for name, body in defs.items() if name not in once}
    if rest:
        out["$defs"] = rest
    return out


class Said(BaseModel):
    model_config = _STRICT
    value: str
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidIntent(BaseModel):
    model_config = _STRICT
    value: Intent
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidReason(BaseModel):
    model_config = _STRICT
    value: ReturnReason
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidRefund(BaseModel):
    model_config = _STRICT
    value: RefundExpectation
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidRisk(BaseModel):
    model_config = _STRICT
    value: RiskFlag
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidUrgency(BaseModel):
    model_config = _STRICT
    value: Urgency
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


class SaidSentiment(BaseModel):
    model_config = _STRICT
    value: Sentiment
    turn: int
    quote: str = _longest(QUOTE_MAX_CHARS)


Cited = Said | SaidIntent | SaidReason | SaidRefund | SaidRisk | SaidUrgency | SaidSentiment


class LeanSchema(BaseModel):
    """Base of the response models: a lean JSON schema, built once per class."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema without titles or defaults, single-use parts inline.

        Built once per class (instructor asks for it on every call) and copied out.
        """
        if args or kwargs:
            return _lean_schema(super().model_json_schema(*args, **kwargs))
        loaded: dict[str, Any] = json.loads(_default_schema_text(cls))
        return loaded


def _risks() -> Any:
    return Field(default_factory=list, json_schema_extra={"maxItems": MAX_RISK_FLAGS})


class CallExtraction(LeanSchema):
    """The handoff for one call. Every value cites its turn number and exact words."""

    intent: SaidIntent
    order_ids: list[Said] = Field(default_factory=list)
    customer_name: Said | _Omit = None
    phone: Said | _Omit = None
    email: Said | _Omit = None
    products: list[Said] = Field(default_factory=list)
    return_reason: SaidReason | _Omit = None
    refund_expectation: SaidRefund | _Omit = None
    deadline: Said | _Omit = None
    agent_promise: Said | _Omit = None
    risk_flags: list[SaidRisk] = _risks()
    urgency: SaidUrgency
    sentiment: SaidSentiment | _Omit = None
    summary: str = _longest(SUMMARY_MAX_CHARS)
    next_step: str = _longest(NEXT_STEP_MAX_CHARS)


class HybridExtraction(LeanSchema):
    """What the call means; the exact extractors supply every identifier, amount and date."""

    intent: SaidIntent
    # Required but nullable: the model must decide (small models skip optional keys).
    return_reason: SaidReason | None
    refund_expectation: SaidRefund | None
    risk_flags: list[SaidRisk] = _risks()
    urgency: SaidUrgency
    summary: str = _longest(SUMMARY_MAX_CHARS)
    next_step: str = _longest(NEXT_STEP_MAX_CHARS)


@cache
def _default_schema_text(cls: type[LeanSchema]) -> str:
    """The lean default schema of `cls` as JSON text, computed once per class."""
    return json.dumps(_lean_schema(super(LeanSchema, cls).model_json_schema()))


def required_fields(model: type[BaseModel]) -> list[str]:
    """The fields a complete answer must have a value for, in schema order."""
    return [
        name
        for name, info in model.model_fields.items()
        if info.is_required() and not _nullable(info.annotation)
    ]


def _nullable(annotation: Any) -> bool:
    return type(None) in get_args(annotation)


def subset(model: type[LeanSchema], fields: Iterable[str]) -> type[LeanSchema]:
    """`model` cut down to `fields` (schema order kept), for a re-ask of just those fields."""
    return _subset(model, tuple(name for name in model.model_fields if name in set(fields)))


@cache
def _subset(model: type[LeanSchema], names: tuple[str, ...]) -> type[LeanSchema]:
    if names == tuple(model.model_fields):
        return model
    definitions: dict[str, Any] = {
        name: (model.model_fields[name].annotation, model.model_fields[name]) for name in names
    }
    built: type[LeanSchema] = create_model(
        model.__name__, __base__=LeanSchema, __doc__=model.__doc__, **definitions
    )
    return built

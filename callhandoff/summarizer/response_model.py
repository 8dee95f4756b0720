"""What the model is asked to return: a lean, cited subset of the Handoff.

Kept small on purpose (the fixed prompt overhead must stay under 1,500 tokens):
only what needs understanding is asked of the model; identifiers are cross-checked
against the deterministic extractors, and workflow, damage details and priority
are derived in code (see mapping.py).

Every value carries `turn` + `quote`. Validation runs with the transcript in the
validation context, so instructor re-asks with a precise message when a quote is
not in the cited turn, an order id is not in its quote, an enum value is unknown
or the summary is too long; after the configured retries the call falls back to
review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic.json_schema import SkipJsonSchema

from callhandoff.grounding import VALUE_CHECKS, quote_in_text
from callhandoff.normalize import id_key
from callhandoff.redaction.placeholders import PLACEHOLDER_RE
from callhandoff.schema.enums import (
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
)
from callhandoff.schema.handoff import SUMMARY_MAX_WORDS

_NON_DIGIT = re.compile(r"\D+")
_FEEDBACK_TURN_CHARS = 160

_STRICT = ConfigDict(extra="ignore", frozen=True)
_SCOPE: ContextVar[dict[str, Any] | None] = ContextVar("callhandoff_validation", default=None)
# Optional fields are shown to the model without the `null` branch: it may leave them out.
_Omit = SkipJsonSchema[None]


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
    quote: str


class SaidIntent(BaseModel):
    model_config = _STRICT
    value: Intent
    turn: int
    quote: str


class SaidReason(BaseModel):
    model_config = _STRICT
    value: ReturnReason
    turn: int
    quote: str


class SaidRefund(BaseModel):
    model_config = _STRICT
    value: RefundExpectation
    turn: int
    quote: str


class SaidRisk(BaseModel):
    model_config = _STRICT
    value: RiskFlag
    turn: int
    quote: str


class SaidUrgency(BaseModel):
    model_config = _STRICT
    value: Urgency
    turn: int
    quote: str


class SaidSentiment(BaseModel):
    model_config = _STRICT
    value: Sentiment
    turn: int
    quote: str


Cited = Said | SaidIntent | SaidReason | SaidRefund | SaidRisk | SaidUrgency | SaidSentiment


class CallExtraction(BaseModel):
    """The handoff for one call. Every value cites its turn number and exact words."""

    model_config = ConfigDict(extra="ignore", frozen=True)

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
    risk_flags: list[SaidRisk] = Field(default_factory=list)
    urgency: SaidUrgency
    sentiment: SaidSentiment | _Omit = None
    summary: str
    next_step: str

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The JSON schema without titles or defaults, single-use parts inline (~650 tokens).

        Built once per class (instructor asks for it on every call) and copied out.
        """
        if args or kwargs:
            return _lean_schema(super().model_json_schema(*args, **kwargs))
        loaded: dict[str, Any] = json.loads(_default_schema_text(cls))
        return loaded

    def cited(self) -> Iterator[tuple[str, Cited]]:
        """Every cited value with its field path, e.g. ('order_ids[0]', Said(...))."""
        for name in type(self).model_fields:
            current = getattr(self, name)
            if isinstance(current, list):
                for i, item in enumerate(current):
                    yield f"{name}[{i}]", item
            elif isinstance(current, BaseModel):
                yield name, current  # type: ignore[misc]

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> Self:
        context = info.context or _SCOPE.get() or {}
        turns: list[str] | None = context.get("turns")
        if turns is None:
            return self
        threshold = float(context.get("fuzzy_threshold", 90.0))
        problems = [
            problem
            for path, item in self.cited()
            if (problem := citation_problem(path, item, turns, threshold)) is not None
        ]
        words = len(self.summary.split())
        if words > SUMMARY_MAX_WORDS:
            problems.append(f"summary has {words} words; write at most {SUMMARY_MAX_WORDS}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _id_in_quote(value: str, quote: str) -> bool:
    compact = id_key(value)
    return bool(compact) and (
        compact in id_key(quote) or VALUE_CHECKS["records.order_id"](value, quote)
    )


def _phone_in_quote(value: str, quote: str) -> bool:
    if PLACEHOLDER_RE.fullmatch(value):  # `[phone 1]` copied from a call sent with placeholders
        return value.lower() in quote.lower()
    digits = _NON_DIGIT.sub("", value)
    said = _NON_DIGIT.sub("", quote)
    if len(digits) < 7:
        return False
    if digits in said or digits[-10:] in said:
        return True
    return VALUE_CHECKS["caller.phone"](value, quote)


def _email_in_quote(value: str, quote: str) -> bool:
    if value.lower() in quote.lower():
        return True
    return VALUE_CHECKS["caller.email"](value.lower(), quote)


_VALUE_RULES: dict[str, tuple[Callable[[str, str], bool], str]] = {
    "order_ids": (_id_in_quote, "the order id {value!r} is not in its quote"),
    "phone": (_phone_in_quote, "the phone {value!r} is not in its quote"),
    "email": (_email_in_quote, "the email {value!r} is not in its quote"),
}


@cache
def _default_schema_text(cls: type[CallExtraction]) -> str:
    """The lean default schema of `cls` as JSON text, computed once per class."""
    return json.dumps(_lean_schema(super(CallExtraction, cls).model_json_schema()))


def citation_problem(path: str, item: Cited, turns: list[str], threshold: float) -> str | None:
    """Why a cited value is not supported by the call, in words the model can act on."""
    if not item.quote.strip():
        return f"{path}: the quote is empty; copy the exact words from the turn"
    if not 0 <= item.turn < len(turns):
        return f"{path}: turn {item.turn} does not exist (the call has turns 0-{len(turns) - 1})"
    text = turns[item.turn]
    if not quote_in_text(item.quote, text, fuzzy_threshold=threshold):
        shown = text if len(text) <= _FEEDBACK_TURN_CHARS else text[:_FEEDBACK_TURN_CHARS] + "…"
        return (
            f"{path}: quote {item.quote!r} is not in turn {item.turn}, which says {shown!r}; "
            "copy the exact words or cite the right turn"
        )
    field = path.split("[")[0]
    rule = _VALUE_RULES.get(field)
    if rule is not None and isinstance(item.value, str):
        check, message = rule
        if field == "order_ids" and not any(ch.isdigit() for ch in item.value):
            return f"{path}: {item.value!r} is not an order id (order ids contain digits)"
        if not check(item.value, item.quote):
            return f"{path}: " + message.format(value=item.value)
    return None


def validation_context(turn_texts: list[str], fuzzy_threshold: float) -> dict[str, Any]:
    """What validation checks answers against: the full call's turn texts."""
    return {"turns": turn_texts, "fuzzy_threshold": fuzzy_threshold}


@contextmanager
def validating_against(turn_texts: list[str], fuzzy_threshold: float) -> Iterator[None]:
    """Validate every CallExtraction parsed in this block against these turns.

    instructor would also take the turns as `context=`, but it then renders every
    message as a Jinja template (and dedents it): a transcript containing `{{` would
    be altered or fail. A context variable keeps the messages verbatim; each asyncio
    task has its own value, so concurrent calls do not see each other's turns.
    """
    token = _SCOPE.set(validation_context(turn_texts, fuzzy_threshold))
    try:
        yield
    finally:
        _SCOPE.reset(token)

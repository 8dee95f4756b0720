"""Check a model answer field by field: keep what is valid, say why the rest is not.

instructor validates an answer as a whole and re-asks for all of it when one
field is wrong; a small model then often breaks another field on the re-ask.
Here every field is validated on its own:

- a value of the wrong type or outside its vocabulary is dropped;
- a quote that is in another turn than the one cited is re-anchored to that turn
  (nearest first) and recorded; only a quote found nowhere in the call drops the
  value;
- an identifier, name, product or deadline that cannot be read in its quote is
  looked up in the call: found, it is re-anchored with the words that hold it;
  not found, it is dropped (and not asked again: a second answer would only be
  another guess);
- an optional field answered with an empty stand-in (`{"value": null}`) counts
  as left out;
- a summary over the word limit is cut back to whole sentences.

Every drop becomes a `DroppedValue` with the reason, every move a
`ReanchoredValue`, and the fields that failed (dropped, or required and missing)
are what a re-ask asks for again. Answers cut off at max_tokens are read as far
as they go (incomplete JSON is closed, the unfinished value left out).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args, get_origin

import jiter
from pydantic import BaseModel, TypeAdapter, ValidationError

from callhandoff.grounding import VALUE_CHECKS, locate_quote, spoken_to_written
from callhandoff.normalize import id_key
from callhandoff.redaction.placeholders import PLACEHOLDER_RE
from callhandoff.schema.handoff import (
    SUMMARY_MAX_WORDS,
    DroppedValue,
    Evidence,
    ReanchoredValue,
)
from callhandoff.summarizer.response_model import Cited, LeanSchema, required_fields

_NON_DIGIT = re.compile(r"\D+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```\s*$")
_MESSAGE_CHARS = 160


def _id_in(value: str, text: str) -> bool:
    compact = id_key(value)
    return bool(compact) and (
        compact in id_key(text) or VALUE_CHECKS["records.order_id"](value, text)
    )


def _phone_in(value: str, text: str) -> bool:
    if PLACEHOLDER_RE.fullmatch(value):  # `[phone 1]` copied from a call sent with placeholders
        return value.lower() in text.lower()
    digits = _NON_DIGIT.sub("", value)
    said = _NON_DIGIT.sub("", text)
    if len(digits) < 7:
        return False
    if digits in said or digits[-10:] in said:
        return True
    return VALUE_CHECKS["caller.phone"](value, text)


def _email_in(value: str, text: str) -> bool:
    if value.lower() in text.lower():
        return True
    return VALUE_CHECKS["caller.email"](value.lower(), text)


_WORD = re.compile(r"\w+")


def _words_in(value: str, text: str) -> bool:
    """Every word of `value` is in the text (names, products and deadlines as said)."""
    words = _WORD.findall(value.casefold())
    folded = text.casefold()
    return bool(words) and all(word in folded for word in words)


def _email_said(value: str, text: str) -> bool:
    """The whole address is in the text, written or spoken ("jane dot doe at ...")."""
    wanted = value.lower()
    return wanted in text.lower() or wanted in spoken_to_written(text).lower().replace(" ", "")


# Fields whose value must itself be readable in the call, not only the quote: the
# check of a value in its quote, and the stricter one used to look a value up in
# the call when the quote does not hold it.
VALUE_RULES: dict[str, Callable[[str, str], bool]] = {
    "order_ids": _id_in,
    "phone": _phone_in,
    "email": _email_in,
    "customer_name": _words_in,
    "products": _words_in,
    "deadline": _words_in,
}
LOOKUP_RULES: dict[str, Callable[[str, str], bool]] = {
    **VALUE_RULES,
    "email": _email_said,
}


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_CHARS else text[:_MESSAGE_CHARS] + "…"


def parse_answer(text: str | None) -> dict[str, Any] | None:
    """The JSON object in a model's answer, read as far as it goes; None when there is none.

    Code fences and text before the first `{` are ignored; an answer cut off
    mid-way is closed (the unfinished string or value is left out).
    """
    if not text:
        return None
    body = _FENCE.sub("", text.strip())
    start = body.find("{")
    if start < 0:
        return None
    try:
        data = jiter.from_json(body[start:].encode("utf-8"), partial_mode="on")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@dataclass
class Salvage:
    """What is usable of the answers to one call so far."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    dropped: list[DroppedValue] = field(default_factory=list)
    reanchored: list[ReanchoredValue] = field(default_factory=list)
    # Optional fields whose value the call never says: asking again invites another guess.
    settled: set[str] = field(default_factory=set)

    def failed(self, model: type[LeanSchema]) -> list[str]:
        """Fields to ask again (schema order): required ones still missing, and dropped ones
        a second answer can fix (a quote not copied right, a value outside its vocabulary)."""
        required = set(required_fields(model))
        return [
            name
            for name in model.model_fields
            if (name in self.problems and (name in required or name not in self.settled))
            or (name in required and name not in self.values)
        ]

    def usable(self) -> bool:
        """True when at least one field survived."""
        return any(value not in (None, []) for value in self.values.values())

    def problem_lines(self, names: Sequence[str]) -> list[str]:
        """`field: problem` for each of `names` (missing required fields say so)."""
        return [f"{name}: {self.problems.get(name, 'missing')}" for name in names]


@dataclass
class _Checker:
    turns: Sequence[str]
    threshold: float
    out: Salvage

    def drop(self, path: str, value: Any, problem: str, item: Any = None) -> None:
        evidence = None
        turn, quote = getattr(item, "turn", None), getattr(item, "quote", None)
        if isinstance(turn, int) and turn >= 0 and isinstance(quote, str) and quote.strip():
            evidence = Evidence(turn=turn, quote=quote)
        self.out.dropped.append(
            DroppedValue(field=path, value=_short(str(value)), evidence=evidence, reason=problem)
        )

    def cited(self, name: str, path: str, item: Cited) -> tuple[Cited | None, str | None]:
        """The item, re-anchored when needed, or None and the problem."""
        value = getattr(item.value, "value", item.value)
        if not item.quote.strip():
            return None, "the quote is empty; copy the exact words from the call"
        turn = locate_quote(item.quote, self.turns, item.turn, fuzzy_threshold=self.threshold)
        if turn is None:
            return None, f"quote {_short(item.quote)!r} is not in the call; copy words exactly"
        moved = item if turn == item.turn else item.model_copy(update={"turn": turn})
        rule = VALUE_RULES.get(name)
        if rule is not None and isinstance(value, str):
            if name == "order_ids" and not any(ch.isdigit() for ch in value):
                self.out.settled.add(name)
                return None, f"{value!r} is not an order id (order ids contain digits)"
            if not rule(value, moved.quote):
                said = self._value_in_call(LOOKUP_RULES[name], value, moved)
                if said is None:
                    self.out.settled.add(name)
                    return None, f"{value!r} is not said in the call"
                moved = said
        if moved.turn != item.turn or moved.quote != item.quote:
            self.out.reanchored.append(
                ReanchoredValue(
                    field=path,
                    value=str(value),
                    cited_turn=item.turn,
                    turn=moved.turn,
                    quote=moved.quote,
                )
            )
        return moved, None

    def _value_in_call(
        self, rule: Callable[[str, str], bool], value: str, item: Cited
    ) -> Cited | None:
        """The item re-anchored to the nearest turn that says `value`, or None."""
        count = len(self.turns)
        anchor = min(max(item.turn, 0), count - 1)
        for index in sorted(range(count), key=lambda i: (abs(i - anchor), i)):
            text = self.turns[index]
            if rule(value, text):
                quote = value if value in text else text
                return item.model_copy(update={"turn": index, "quote": quote})
        return None

    def one(
        self, name: str, path: str, raw: Any, adapter: TypeAdapter[Any], *, optional: bool
    ) -> Any:
        """A validated, grounded item, or None (the drop recorded)."""
        if optional and _placeholder(raw):
            return None  # {"value": null, ...} or "": the model had nothing to say
        try:
            item = adapter.validate_python(raw)
        except ValidationError as exc:
            problem = _type_problem(exc)
            self.drop(path, raw.get("value", raw) if isinstance(raw, dict) else raw, problem)
            self.out.problems[name] = problem
            return None
        if item is None:
            return None
        kept, refused = self.cited(name, path, item)
        if refused is not None:
            self.drop(path, getattr(item.value, "value", item.value), refused, item)
            self.out.problems[name] = refused
        return kept


def _placeholder(raw: Any) -> bool:
    """An empty stand-in for a value: `{"value": null or ""}`, or an empty string."""
    if isinstance(raw, dict):
        value = raw.get("value")
        return value is None or (isinstance(value, str) and not value.strip())
    return isinstance(raw, str) and not raw.strip()


def _type_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return _short((f"{where}: " if where else "") + error["msg"])


@cache
def _adapters(model: type[LeanSchema], name: str) -> tuple[bool, TypeAdapter[Any]]:
    """(is a list, adapter of one value) for field `name` of `model`."""
    annotation = model.model_fields[name].annotation
    assert annotation is not None
    if get_origin(annotation) is list:
        return True, TypeAdapter(get_args(annotation)[0])
    return False, TypeAdapter(annotation)


def fit_summary(text: str) -> str:
    """`text` cut back to whole sentences within the word limit (or to the limit)."""
    words = text.split()
    if len(words) <= SUMMARY_MAX_WORDS:
        return text.strip()
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if len((" ".join([*kept, sentence])).split()) > SUMMARY_MAX_WORDS:
            break
        kept.append(sentence)
    return " ".join(kept) if kept else " ".join(words[:SUMMARY_MAX_WORDS])


def _text(name: str, raw: Any) -> tuple[str | None, str | None]:
    if not isinstance(raw, str) or not raw.strip():
        return None, "write it as a non-empty string"
    return (fit_summary(raw) if name == "summary" else raw.strip()), None


def salvage_answer(
    data: dict[str, Any],
    model: type[LeanSchema],
    turns: Sequence[str],
    fuzzy_threshold: float,
    into: Salvage | None = None,
) -> Salvage:
    """Check every field of `model` in `data`; merge what is valid into `into` (or a new one).

    A field present in `data` replaces an earlier problem with its own outcome;
    list fields add their valid items to those already kept.
    """
    out = into or Salvage()
    checker = _Checker(turns, fuzzy_threshold, out)
    for name in model.model_fields:
        raw = data.get(name)
        if raw is None:
            if name in out.problems and name not in required_fields(model):
                del out.problems[name]  # asked again, the model now leaves it out
            continue
        out.problems.pop(name, None)
        out.settled.discard(name)
        optional = name not in required_fields(model)
        annotation = model.model_fields[name].annotation
        if annotation is str:
            value, problem = _text(name, raw)
            if problem is None:
                out.values[name] = value
            else:
                checker.drop(name, raw, problem)
                out.problems[name] = problem
            continue
        is_list, adapter = _adapters(model, name)
        if is_list:
            items = raw if isinstance(raw, list) else [raw]
            kept = list(out.values.get(name, []))
            seen = {str(k.value) for k in kept}
            for index, item in enumerate(items):
                found = checker.one(name, f"{name}[{index}]", item, adapter, optional=optional)
                if found is not None and str(found.value) not in seen:
                    kept.append(found)
                    seen.add(str(found.value))
            out.values[name] = kept
        else:
            found = checker.one(name, name, raw, adapter, optional=optional)
            if found is not None:
                out.values[name] = found
    return out


def as_model(salvage: Salvage, model: type[BaseModel]) -> dict[str, Any]:
    """The salvaged values with every field of `model` present (None / [] when missing)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        default: Any = [] if get_origin(info.annotation) is list else None
        out[name] = salvage.values.get(name, default)
    return out

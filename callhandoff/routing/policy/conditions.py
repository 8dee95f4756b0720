"""The `when:` language of policy rules: checked at load time, evaluated with a readable trace.

A condition is a mapping; every entry must hold (AND). An entry is either a
combinator (`any: [...]`, `all: [...]`, `not: {...}`) or a fact name with a test:

    intent: refund                    equal
    intent: [refund, cancel_order]    one of (for a list fact: shares one)
    match_confidence: {lt: $match_confidence}
    risk_flags: {any_in: [fraud_concern]}
    field_changes: {empty: false}

Operators: eq, ne, in, not_in, any_in, none_in, lt, lte, gt, gte, empty.
A value written `$name` is the threshold `name` from the policy's `thresholds:`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from callhandoff.exceptions import ConfigError

#: Every fact a rule may test, with a one-line meaning (docs/policy.md lists them too).
FACTS: dict[str, str] = {
    "destination": "cloudcart or cults",
    "intent": "primary intent, or null when none was extracted",
    "intent_confidence": "confidence of the primary intent",
    "intents": "primary and secondary intents",
    "change_kind": "address, size, quantity or item for change_order calls",
    "refund_expectation": "remedy the caller wants",
    "return_reason": "why an item goes back",
    "risk_flags": "risk flags on the call",
    "workflow": "which seed workflow the handoff serves (escalation, follow_up, ...)",
    "prompt_injection": "a turn tried to instruct the system",
    "prompt_injection_kind": "how: chat_template, structured_payload, addressed_to_ai, "
    "instruction_override, role_play or decision_steering (null without one)",
    "fallback": "the extraction backend failed and fell back",
    "fallback_reason": "why the backend fell back, or null",
    "matched": "the call matched a customer, order or booking",
    "match_confidence": "how sure the match is, 0-1",
    "match_method": "how the record was found: order_id, phone, email, fuzzy_name, ...",
    "findings": "store-aware checks: order_not_callers, return_window_closed, sku_unknown, ...",
    "disagreements": "fields where the caller and the record differ",
    "dropped_identifiers": "identifiers the grounding check removed",
    "low_confidence_fields": "handoff fields below their field_confidence threshold",
    "vip": "the customer is VIP (directory first, else what the caller said)",
    "loyalty_tier": "loyalty tier, lower-case",
    "order_value": "matched order total (else the value the caller said)",
    "urgency": "low, normal, high or critical, as extracted (null when none)",
    "repeat_complaint": "the caller says this is not the first time",
    "deadline_in_days": "days from the call to the caller's deadline, or null",
    "field_changes": "names of the fields the caller asked to change",
    "change_groups": "money / access / commitment / other, from field_groups",
    "mentions_record": "the caller named an order, booking, SKU or product",
    "has_record": "an order, booking or catalogue product was matched",
    "has_destination_object": "there is a clear object to create at the destination",
    "destination_object": "that object in words, e.g. 'order HH-10452', or null",
    "customer_id": "matched customer id, or null",
    "order_id": "matched order id, or null",
    "booking_id": "matched booking id, or null",
    "lifecycle_signals": "product_interest, return_outcome, follow_up_need",
    "context_score": "how much actionable context the handoff has (0-5)",
    "transcript_changed": "this call ID was seen before with a different transcript",
    "changed_after_delivery": "an earlier version's action was already delivered",
    "version": "transcript version number of this call ID",
}

_OPERATORS = {"eq", "ne", "in", "not_in", "any_in", "none_in", "lt", "lte", "gt", "gte", "empty"}
_COMBINATORS = {"any", "all", "not"}
_SET_OPERATORS = {"in", "not_in", "any_in", "none_in"}
#: Answers a `FactMemo` remembers before it is dropped.
_MEMO_SIZE = 4096
_T = TypeVar("_T")


def _resolve(value: Any, thresholds: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in thresholds:
            raise ConfigError(
                f"{where}: unknown threshold {value!r} (defined: {', '.join(sorted(thresholds))})"
            )
        return thresholds[name]
    if isinstance(value, list):
        return [_resolve(v, thresholds, where) for v in value]
    return value


def _as_set(value: Any) -> set[Any]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return set(value)
    return {value}


_OP_WORDS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "any_in": "includes one of",
    "none_in": "includes none of",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "empty": "is empty:",
}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class _Test:
    """One fact tested with one operator; `words` is how the test reads in the trace."""

    fact: str
    op: str
    expected: Any
    expected_set: frozenset[Any]
    words: str

    def holds(self, actual: Any) -> bool:
        op, expected = self.op, self.expected
        if op == "eq":
            return bool(actual == expected)
        if op == "ne":
            return bool(actual != expected)
        if op in {"in", "any_in"}:
            if isinstance(actual, list):
                return not self.expected_set.isdisjoint(actual)
            return actual in self.expected_set
        if op in {"not_in", "none_in"}:
            return not (_as_set(actual) & self.expected_set)
        if op == "empty":
            return (not actual) == bool(expected)
        if actual is None or expected is None:
            return False
        if op == "lt":
            return bool(actual < expected)
        if op == "lte":
            return bool(actual <= expected)
        if op == "gt":
            return bool(actual > expected)
        return bool(actual >= expected)


def memo_key(value: Any) -> Any:
    """A hashable stand-in for a fact's value that tells True from 1 and 1 from 1.0."""
    if value is None or type(value) is str:
        return value  # no other key is a string or None
    if isinstance(value, list):
        return (list, tuple([(type(item), item) for item in value]))
    return (type(value), value)


_MISSING = object()


@dataclass(frozen=True)
class FactMemo(Generic[_T]):
    """Answers remembered per combination of the values of a few facts (bounded: dropped
    when full). Conditions and rule messages read few facts, and calls repeat their values."""

    names: tuple[str, ...]
    _kept: dict[Any, _T] = field(default_factory=dict, compare=False, repr=False)

    def get(self, facts: Mapping[str, Any], compute: Callable[[Mapping[str, Any]], _T]) -> _T:
        """The answer for these facts' values: remembered, else `compute(facts)` (and kept)."""
        names = self.names
        if len(names) == 1:  # most conditions read one fact: its key alone
            key: Any = memo_key(facts.get(names[0], _MISSING))
        else:
            key = tuple([memo_key(facts.get(name, _MISSING)) for name in names])
        try:
            found = self._kept.get(key)
        except TypeError:  # a value that cannot be remembered (a mapping)
            return compute(facts)
        if found is None:
            if len(self._kept) >= _MEMO_SIZE:
                self._kept.clear()
            found = self._kept[key] = compute(facts)
        return found


@dataclass(frozen=True)
class Condition:
    """A checked `when:` mapping, ready to evaluate: every part must hold (AND).

    `facts` names every fact the condition reads. Calls repeat the same few values
    (intent, flags, matched or not), so `check` remembers the outcome per combination
    of those values (a bounded memo that is dropped when full).
    """

    parts: tuple[_Test | _Not | _Group, ...]
    facts: tuple[str, ...] = ()
    _memo: FactMemo[tuple[bool, tuple[str, ...]]] = field(init=False, compare=False, repr=False)
    _holds: Callable[[Mapping[str, Any]], bool] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", FactMemo(self.facts))
        object.__setattr__(self, "_holds", _predicate(self.parts))

    def holds(self, facts: Mapping[str, Any]) -> bool:
        """Whether the condition holds, without its trace: what deciding a call needs."""
        return self._holds(facts)

    def check(self, facts: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
        """`evaluate`, answered from the memo when these values were seen before."""
        return self._memo.get(facts, self._evaluated)

    def _evaluated(self, facts: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
        holds, trace = self.evaluate(facts)
        return holds, tuple(trace)

    def evaluate(
        self, facts: Mapping[str, Any], shown: dict[str, str] | None = None
    ) -> tuple[bool, list[str]]:
        """(holds, trace): the trace says, per test, the fact's value, the test and the outcome.

        `shown` caches how each fact's value is written, across the nested parts.
        """
        shown = {} if shown is None else shown
        trace: list[str] = []
        holds = True
        for part in self.parts:
            if isinstance(part, _Test):
                actual = facts.get(part.fact)
                written = shown.get(part.fact)
                if written is None:
                    written = shown[part.fact] = f"{part.fact} = {_show(actual)}"
                ok = part.holds(actual)
                trace.append(written + part.words + ("yes" if ok else "no"))
            elif isinstance(part, _Not):
                inner, inner_trace = part.condition.evaluate(facts, shown)
                trace.append(f"not ({'; '.join(inner_trace)}): {'no' if inner else 'yes'}")
                ok = not inner
            else:
                results = [item.evaluate(facts, shown) for item in part.items]
                ok = (
                    any(r for r, _ in results) if part.kind == "any" else all(r for r, _ in results)
                )
                inner_parts = " | ".join("; ".join(t) for _, t in results)
                trace.append(f"{part.kind} of ({inner_parts}): {'yes' if ok else 'no'}")
            holds = holds and ok
        return holds, trace


@dataclass(frozen=True)
class _Not:
    condition: Condition


@dataclass(frozen=True)
class _Group:
    kind: str  # any / all
    items: tuple[Condition, ...]


def _predicate(parts: tuple[_Test | _Not | _Group, ...]) -> Callable[[Mapping[str, Any]], bool]:
    """`Condition.evaluate(facts)[0]` without the trace: the same tests (`_Test.holds`),
    stopping at the first part that does not hold."""
    checks = [_part_predicate(part) for part in parts]
    if len(checks) == 1:
        return checks[0]

    def every(facts: Mapping[str, Any]) -> bool:
        for check in checks:  # noqa: SIM110 (a generator in all() costs more, every call)
            if not check(facts):
                return False
        return True

    return every


def _part_predicate(part: _Test | _Not | _Group) -> Callable[[Mapping[str, Any]], bool]:
    if isinstance(part, _Test):
        fact, test = part.fact, part.holds
        return lambda facts: test(facts.get(fact))
    if isinstance(part, _Not):
        inner = part.condition.holds
        return lambda facts: not inner(facts)
    items = [item.holds for item in part.items]
    if part.kind == "any":
        return lambda facts: any(item(facts) for item in items)
    return lambda facts: all(item(facts) for item in items)


def _leaf(fact: str, op: str, expected: Any) -> _Test:
    if op == "empty":  # "is empty" / "is not empty", not "is empty: false"
        words = ", is empty: " if expected else ", is not empty: "
    else:
        words = f", {_OP_WORDS[op]} {_show(expected)}: "
    expected_set = frozenset(_as_set(expected)) if op in _SET_OPERATORS else frozenset()
    return _Test(fact, op, expected, expected_set, words)


def compile_condition(when: Any, thresholds: Mapping[str, Any], where: str) -> Condition:
    """Validate a `when:` mapping and resolve `$threshold` references; raise ConfigError."""
    if not isinstance(when, dict) or not when:
        raise ConfigError(f"{where}: 'when' must be a non-empty mapping of fact: test")
    parts: list[_Test | _Not | _Group] = []
    for key, test in when.items():
        if key in _COMBINATORS:
            if key == "not":
                parts.append(_Not(compile_condition(test, thresholds, f"{where} not")))
                continue
            if not isinstance(test, list) or not test:
                raise ConfigError(f"{where}: '{key}' takes a non-empty list of conditions")
            items = tuple(
                compile_condition(item, thresholds, f"{where} {key}[{i}]")
                for i, item in enumerate(test)
            )
            parts.append(_Group(key, items))
            continue
        if key not in FACTS:
            raise ConfigError(f"{where}: unknown fact {key!r} (known: {', '.join(sorted(FACTS))})")
        if isinstance(test, dict):
            unknown = set(test) - _OPERATORS
            if unknown:
                raise ConfigError(
                    f"{where}: fact {key!r}: unknown operator(s) "
                    f"{', '.join(sorted(unknown))} (use {', '.join(sorted(_OPERATORS))})"
                )
            parts.extend(_leaf(key, op, _resolve(v, thresholds, where)) for op, v in test.items())
        elif isinstance(test, list):
            parts.append(_leaf(key, "in", _resolve(test, thresholds, where)))
        else:
            parts.append(_leaf(key, "eq", _resolve(test, thresholds, where)))
    return Condition(tuple(parts), tuple(dict.fromkeys(_facts_read(parts))))


def _facts_read(
    parts: tuple[_Test | _Not | _Group, ...] | list[_Test | _Not | _Group],
) -> list[str]:
    names: list[str] = []
    for part in parts:
        if isinstance(part, _Test):
            names.append(part.fact)
        elif isinstance(part, _Not):
            names.extend(part.condition.facts)
        else:
            for item in part.items:
                names.extend(item.facts)
    return names

"""One rule's outcome for the trace, and its JSON text.

A call's trace holds every enabled rule's outcome. Most rules do not fire, and
calls repeat the values those rules test, so a policy keeps the outcomes of
rules that did not fire, with their JSON text, in its `UnfiredOutcomes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import pydantic_core

from callhandoff.schema.routing import Reason


class RuleOutcome(NamedTuple):
    """One rule's evaluation, for the trace (a tuple: a call builds one per rule)."""

    rule_id: str
    decision: str
    fired: bool
    tests: Sequence[str]
    suppressed_by: str | None = None
    reason: Reason | None = None
    text: str | None = None  # `to_json()` as JSON text, when kept with the outcome

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the store; `suppressed_by` and `reason` only when there is one
        (readers take a missing key as none)."""
        stored: dict[str, Any] = {
            "rule": self.rule_id,
            "decision": self.decision,
            "fired": self.fired,
            "tests": list(self.tests),
        }
        if self.suppressed_by is not None:
            stored["suppressed_by"] = self.suppressed_by
        if self.reason is not None:
            stored["reason"] = self.reason.model_dump()
        return stored

    def json_text(self) -> str:
        """`to_json()` serialised."""
        if self.text is not None:
            return self.text
        return pydantic_core.to_json(self.to_json()).decode()


class UnfiredOutcomes:
    """The outcomes of a policy's rules that did not fire, with their JSON text, shared by
    the calls whose tests saw the same values (bounded: dropped when full).

    `Condition.check` answers the same values with the same `tests` tuple, so a rule
    and the identity of that tuple find the outcome; the entry keeps the tuple alive,
    so the identity cannot be reused while the entry is kept.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._kept: dict[tuple[str, str, int], tuple[Sequence[str], RuleOutcome]] = {}

    def __eq__(self, other: object) -> bool:
        """Caches never tell two policies apart (what they hold follows from the rules)."""
        return isinstance(other, UnfiredOutcomes)

    __hash__ = None  # type: ignore[assignment]  # equal to every other cache

    def outcome(self, rule_id: str, decision: str, tests: Sequence[str]) -> RuleOutcome:
        """The outcome of rule `rule_id` (deciding `decision`) not firing on `tests`."""
        key = (rule_id, decision, id(tests))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is tests:
            return kept[1]
        plain = RuleOutcome(rule_id, decision, False, tuple(tests))
        outcome = plain._replace(text=plain.json_text())
        if len(self._kept) >= self._size:
            self._kept.clear()
        self._kept[key] = (tests, outcome)
        return outcome


def trace_json(outcomes: Sequence[RuleOutcome]) -> str:
    """The JSON text of `[outcome.to_json() for outcome in outcomes]` (the outcomes of
    rules that did not fire carry theirs)."""
    return "[" + ",".join([outcome.json_text() for outcome in outcomes]) + "]"

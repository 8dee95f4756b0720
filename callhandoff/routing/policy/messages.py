"""Rule messages: `{fact}` and `{thresholds[name]}` filled in, compiled once per policy.

A message shows a few facts, and calls repeat the same few values, so each
compiled `Message` remembers its text per combination of the values it shows
(a bounded memo, dropped when full), like the conditions it explains.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from callhandoff.routing.policy.conditions import memo_key

#: Distinct value combinations a message remembers before its memo is dropped.
_MEMO_SIZE = 4096
_MISSING = object()


class _Formatter(string.Formatter):
    """`str.format` that shows lists as `a, b`, None as `none` and never raises on a spec."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "none"
        if value is None:
            return "none"
        if isinstance(value, float) and not format_spec:
            return f"{value:g}"
        try:
            return str(super().format_field(value, format_spec))
        except (ValueError, TypeError):
            return str(value)


_FORMATTER = _Formatter()


def render(message: str, facts: Mapping[str, Any], thresholds: Mapping[str, float]) -> str:
    """`message` with its facts and thresholds filled in; as written if one is unknown."""
    try:
        return _FORMATTER.vformat(message, (), {**facts, "thresholds": thresholds})
    except (KeyError, IndexError, AttributeError, ValueError):
        return message


def _shown(message: str) -> tuple[str, ...]:
    """The facts a message shows (the part of each `{field}` before `.` or `[`)."""
    names: dict[str, None] = {}
    try:
        parsed = list(_FORMATTER.parse(message))
    except ValueError:
        return ()
    for _, name, _, _ in parsed:
        if name:
            root = name.split(".", 1)[0].split("[", 1)[0]
            if root != "thresholds":
                names[root] = None
    return tuple(names)


@dataclass(frozen=True)
class Message:
    """A rule's message with the policy's thresholds, ready to render for many calls."""

    text: str
    thresholds: Mapping[str, float]
    facts: tuple[str, ...] = ()
    _memo: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def compile(cls, text: str, thresholds: Mapping[str, float]) -> Message:
        """The message `text` under these thresholds."""
        return cls(text, dict(thresholds), _shown(text))

    def render(self, facts: Mapping[str, Any]) -> str:
        """`render(text, facts, thresholds)`, answered from the memo for values seen before."""
        try:
            key = tuple(memo_key(facts.get(name, _MISSING)) for name in self.facts)
            hash(key)
        except TypeError:  # a value that cannot be remembered (a mapping): render it
            return render(self.text, facts, self.thresholds)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = render(self.text, facts, self.thresholds)
        return found

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

from callhandoff.routing.policy.conditions import FactMemo


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


def _render(message: str, facts: Mapping[str, Any], thresholds: Mapping[str, float]) -> str:
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
    _memo: FactMemo[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", FactMemo(self.facts))

    @classmethod
    def compile(cls, text: str, thresholds: Mapping[str, float]) -> Message:
        """The message `text` under these thresholds."""
        return cls(text, dict(thresholds), _shown(text))

    def render(self, facts: Mapping[str, Any]) -> str:
        """The text with these facts filled in, answered from the memo for values seen before."""
        return self._memo.get(facts, self._rendered)

    def _rendered(self, facts: Mapping[str, Any]) -> str:
        return _render(self.text, facts, self.thresholds)

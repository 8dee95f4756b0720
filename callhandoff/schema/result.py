"""What `callhandoff process` writes: one result per call, one reject per bad input."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field, PrivateAttr

from callhandoff.schema.handoff import Handoff
from callhandoff.schema.routing import Decision, DestinationAction, RecordMatch
from callhandoff.schema.transcript import SourceRef


class Rejected(BaseModel):
    """An input that could not be read, kept whole so nothing is lost."""

    path: str
    line: int | None = Field(default=None, ge=1)
    problem: str
    raw: str = Field(default="", description="The offending record or file text, verbatim.")

    def message(self) -> str:
        """`file:line: problem`, the form every error message uses."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.problem}"


class CallResult(BaseModel):
    """One processed call: the grounded handoff, its record match and the policy decision."""

    call_id: str
    source: SourceRef | None = None
    transcript_hash: str
    handoff: Handoff
    match: RecordMatch | None = Field(default=None, description="None when no directory is used.")
    decision: Decision | None = None
    action: DestinationAction | None = None
    #: the output line, when composed from JSON made already (`with_json_parts`)
    _line: _KeptLine | None = PrivateAttr(default=None)

    def json_line(self) -> str:
        """The result as one line of JSON: `model_dump_json(exclude_none=True)`.

        A routed call's line is composed from the handoff and action JSON its router
        wrote to the store (`with_json_parts`), as long as no field was replaced since.
        """
        kept = self._line.text_for(self) if self._line is not None else None
        return kept if kept is not None else self.model_dump_json(exclude_none=True)

    def with_json_parts(self, handoff: str, action: str | None) -> CallResult:
        """Keep the line `json_line` gives, composed from this result's handoff and action
        as JSON (each `model_dump_json(exclude_none=True)` of that very value); returns self.

        Serialising a handoff is the largest part of writing a line: a router that has
        serialised it for the store hands it over instead of it being serialised again.
        """
        parts = [self.model_dump_json(exclude_none=True, include=_BEFORE_HANDOFF)[:-1]]
        parts += [',"handoff":', handoff]
        parts += self._members(_BETWEEN)
        if self.action is not None:
            assert action is not None, "a result with an action needs its JSON"
            parts += [',"action":', action]
        parts += self._members(_AFTER_ACTION)
        parts.append("}")
        self._line = _KeptLine(tuple(self.__dict__.values()), "".join(parts))
        return self

    def _members(self, fields: set[str]) -> list[str]:
        """These fields as members of a JSON object, to follow others in the line."""
        found = self.model_dump_json(exclude_none=True, include=fields) if fields else "{}"
        return [] if found == "{}" else [",", found[1:-1]]


@dataclass(frozen=True, eq=False)
class _KeptLine:
    """A line `with_json_parts` composed, and the field values it was composed from.

    Used again only while every field still holds the very same object: a `model_copy`
    with an update, or an assignment, leaves `json_line` to serialise the result anew.
    It is not part of the result's value: it compares equal to any other, and to none,
    so two results are equal whether or not one kept its line.
    """

    fields: tuple[object, ...]
    text: str

    def text_for(self, result: BaseModel) -> str | None:
        """The line, when `result`'s fields are still the ones it was composed from."""
        values = result.__dict__.values()
        if len(values) == len(self.fields) and all(
            kept is now for kept, now in zip(self.fields, values, strict=True)
        ):
            return self.text
        return None

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, _KeptLine)

    __hash__ = None  # type: ignore[assignment]


# `CallResult`'s fields before its handoff, between its handoff and its action, and after
# its action, in the order of the model: a line lists them in that order
_FIELDS = list(CallResult.model_fields)
_BEFORE_HANDOFF = set(_FIELDS[: _FIELDS.index("handoff")])
_BETWEEN = set(_FIELDS[_FIELDS.index("handoff") + 1 : _FIELDS.index("action")])
_AFTER_ACTION = set(_FIELDS[_FIELDS.index("action") + 1 :])

"""What `callhandoff process` writes: one result per call, one reject per bad input."""

from __future__ import annotations

from pydantic import BaseModel, Field

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

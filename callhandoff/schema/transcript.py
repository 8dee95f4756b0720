"""The input contract: one call's transcript, whatever format it was read from."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from callhandoff.schema.enums import Destination, Speaker


class Turn(BaseModel):
    """One utterance. Turns are addressed by their 0-based index in `Transcript.turns`."""

    model_config = ConfigDict(frozen=True)

    speaker: Speaker
    text: str
    start: float | None = Field(default=None, ge=0, description="Seconds from call start.")
    end: float | None = Field(default=None, ge=0, description="Seconds from call start.")


class CallLinks(BaseModel):
    """Where a teammate can find the call itself."""

    model_config = ConfigDict(frozen=True)

    transcript: str | None = None
    recording: str | None = None


class SourceRef(BaseModel):
    """Where a transcript was read from, for messages and the rejects file."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int | None = Field(default=None, ge=1, description="1-based line of the record.")
    format: str = Field(description="Reader that parsed it: native, plaintext, chat, abcd.")

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class Transcript(BaseModel):
    """A call as DialNexa hands it over: metadata plus ordered turns."""

    model_config = ConfigDict(frozen=True)

    call_id: str = Field(min_length=1, description="DialNexa call ID; the idempotency key.")
    destination: Destination
    store: str | None = None
    channel: str | None = Field(default=None, description="phone, chat, sms, ... as reported.")
    caller_phone: str | None = Field(default=None, description="Caller ID, as reported.")
    started_at: AwareDatetime | None = None
    links: CallLinks = Field(default_factory=CallLinks)
    turns: list[Turn] = Field(min_length=1)
    source: SourceRef | None = Field(default=None, description="Not part of the content hash.")

    @field_validator("call_id")
    @classmethod
    def _strip_call_id(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("call_id is empty")
        return value

    def content_hash(self) -> str:
        """SHA-256 over everything but `source`: two reads of the same call hash alike."""
        payload = self.model_dump(mode="json", exclude={"source"})
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def reference_time(self, now: datetime | None = None) -> datetime:
        """The moment relative dates in the call resolve against: the call start, else `now`.

        `now` defaults to the current UTC time; the router passes its own clock.
        """
        return self.started_at or now or datetime.now(UTC)

    def customer_turn_indexes(self) -> list[int]:
        """Indexes of the turns spoken by the customer, in order."""
        return [i for i, turn in enumerate(self.turns) if turn.speaker is Speaker.CUSTOMER]

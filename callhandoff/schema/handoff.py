"""The output contract of extraction: a structured, grounded handoff for one call.

Every extracted value is an `Extracted[T]`: the value, a confidence in [0, 1] and
the evidence (turn index + exact quote) it came from. The grounding check drops
any value whose quote is not in the cited turn and records the drop in
`Handoff.grounding`, so nothing reaches the policy without support in the call.
Every backend (offline rules, any LLM) produces this same model.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from callhandoff.schema.enums import (
    ChangeKind,
    ContactChannel,
    Destination,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
    Workflow,
)

T = TypeVar("T")

SUMMARY_MAX_WORDS = 60
SUMMARY_MAX_CHARS = 600
#: Longest evidence quote kept: a quote is the words around a value, not a whole monologue.
MAX_QUOTE_CHARS = 300


class Evidence(BaseModel):
    """Where a value was said: the 0-based turn index and the exact words."""

    model_config = ConfigDict(frozen=True)

    turn: int = Field(ge=0)
    quote: str = Field(min_length=1)

    @field_validator("quote")
    @classmethod
    def _quote_is_short(cls, value: str) -> str:
        """A quote longer than MAX_QUOTE_CHARS keeps its beginning (still the cited turn's
        exact words), cut at a word boundary when there is one."""
        return clip(value, MAX_QUOTE_CHARS)


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at the last space when there is one."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space].rstrip() if space > limit // 2 else head


class Extracted(BaseModel, Generic[T]):
    """One extracted value with its confidence and evidence."""

    model_config = ConfigDict(frozen=True)

    value: T
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Evidence
    source: str | None = Field(
        default=None, description="What produced it, e.g. 'rule:order_id', 'classifier', 'llm'."
    )


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: float = Field(ge=0)
    currency: str | None = Field(default=None, description="ISO 4217 code when stated.")


class Deadline(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(description="As said: 'by Friday', 'before the 12th'.")
    date: dt.date | None = Field(default=None, description="Resolved against the call date.")


class Caller(BaseModel):
    name: Extracted[str] | None = None
    phone: Extracted[str] | None = Field(default=None, description="E.164.")
    email: Extracted[str] | None = Field(default=None, description="Normalised, lower-case domain.")
    customer_id: Extracted[str] | None = None
    vip: Extracted[bool] | None = None
    loyalty_status: Extracted[str] | None = None
    order_value: Extracted[Money] | None = None
    repeat_complaint: Extracted[bool] | None = None


class Records(BaseModel):
    order_id: Extracted[str] | None = None
    other_order_ids: list[Extracted[str]] = Field(default_factory=list)
    product_skus: list[Extracted[str]] = Field(default_factory=list)
    product_names: list[Extracted[str]] = Field(default_factory=list)
    booking_id: Extracted[str] | None = None
    store: Extracted[str] | None = None
    channel: Extracted[str] | None = None
    location: Extracted[str] | None = Field(default=None, description="Address or place.")


class Request(BaseModel):
    """What the caller wants."""

    intent: Extracted[Intent] | None = None
    secondary_intents: list[Extracted[Intent]] = Field(default_factory=list)
    change_kind: Extracted[ChangeKind] | None = None
    inquiry_topic: Extracted[InquiryTopic] | None = None


class ExceptionDetails(BaseModel):
    """Returns, refunds, deadlines and delivery problems."""

    return_reason: Extracted[ReturnReason] | None = None
    refund_expectation: Extracted[RefundExpectation] | None = None
    deadline: Extracted[Deadline] | None = None
    delivery_status: Extracted[str] | None = None
    availability_question: Extracted[str] | None = None


_WHEN_FIELDS = frozenset({"booking_time", "appointment_time", "pickup_time", "date"})


def is_when_field(name: str) -> bool:
    """A changed field the store holds as a date or a timestamp (`booking_time`,
    `delivery_date`); a preference such as `preferred_time` ("mornings") is not one."""
    key = name.lower().replace("-", "_").replace(" ", "_")
    return key in _WHEN_FIELDS or key.endswith("_date")


class FieldChange(BaseModel):
    """A change the caller asked for on an existing record."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="address, size, quantity, item, date, contact, consent, ...")
    old_value: str | None = None
    new_value: str
    new_value_resolved: str | None = Field(
        default=None,
        description="For a date or time field: the new value as ISO 8601, read from the words "
        "said against the call's date (None when the words name no single day).",
    )

    def new_value_as_read(self) -> str | None:
        """The new value of a date or time field as ISO 8601: as read from the words said,
        or the new value itself when it is written as a date or a timestamp."""
        if self.new_value_resolved is not None:
            return self.new_value_resolved
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(self.new_value.strip()).isoformat()
            except ValueError:
                pass
        return None

    reason: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: Evidence


class FollowUp(BaseModel):
    preferred_time: Extracted[str] | None = None
    timezone: Extracted[str] | None = None
    contact_channel: Extracted[ContactChannel] | None = None
    promise: Extracted[str] | None = Field(default=None, description="What the agent promised.")
    owner: Extracted[str] | None = None


class WorkflowDetails(BaseModel):
    """Per-workflow details; only the ones that apply are filled."""

    # revenue handoff (recover_buying_intent)
    buying_signal: Extracted[str] | None = None
    objection: Extracted[str] | None = None
    stage: Extracted[str] | None = None
    owner_suggestion: Extracted[str] | None = None
    # issue triage
    symptom: Extracted[str] | None = None
    expected_behaviour: Extracted[str] | None = None
    actual_behaviour: Extracted[str] | None = None
    affected_area: Extracted[str] | None = None
    business_impact: Extracted[str] | None = None
    # site visit
    location_details: Extracted[str] | None = None
    access_notes: Extracted[str] | None = None
    timing_constraints: Extracted[str] | None = None
    # escalation
    impact: Extracted[str] | None = None
    affected_object: Extracted[str] | None = None


class DamageDetails(BaseModel):
    """Filled when an item arrived damaged or defective."""

    item: Extracted[str] | None = None
    description: Extracted[str] | None = None
    photo_needed: bool = False
    expectation: Extracted[RefundExpectation] | None = None


class Priority(BaseModel):
    """Deterministic routing priority, computed from grounded fields only."""

    level: Urgency
    score: int = Field(ge=0, le=100)
    factors: list[str] = Field(default_factory=list, description="Why it rose, e.g. 'vip'.")


class DroppedValue(BaseModel):
    """A value the grounding check refused, kept so the drop is visible."""

    field: str
    value: str = Field(description=f"At most {MAX_QUOTE_CHARS} characters of it.")
    evidence: Evidence | None = None
    reason: str

    @field_validator("value")
    @classmethod
    def _value_is_short(cls, value: str) -> str:
        return clip(value, MAX_QUOTE_CHARS)


class ReanchoredValue(BaseModel):
    """A value whose quote was said in another turn than the one cited; moved to that turn."""

    field: str
    value: str
    cited_turn: int
    turn: int
    quote: str


class GroundingReport(BaseModel):
    checked: int = 0
    dropped: list[DroppedValue] = Field(default_factory=list)
    reanchored: list[ReanchoredValue] = Field(
        default_factory=list, description="Values kept with their evidence moved to the turn."
    )
    fuzzy_threshold: float = Field(default=0.0, description="Minimum similarity used, 0-100.")


class ExtractionMeta(BaseModel):
    """How this handoff was produced: backend, model, prompt, cost and any fallback."""

    backend: str
    model: str | None = None
    prompt_id: str | None = None
    prompt_hash: str | None = None
    attempts: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    cached: bool = False
    fallback_reason: str | None = Field(
        default=None, description="Set when the backend failed and the call must go to review."
    )
    truncation: str | None = Field(default=None, description="What was cut to fit the context.")
    disagreements: list[str] = Field(
        default_factory=list, description="LLM vs deterministic extractor disagreements."
    )
    reasked: list[str] = Field(
        default_factory=list, description="Fields asked for again after the first answer."
    )
    filled: list[str] = Field(
        default_factory=list,
        description="Fields the model did not deliver, filled from the extractors, e.g. "
        "'intent (classifier)'.",
    )
    pending: bool = Field(
        default=False,
        description="Not extracted yet: the run's budget was reached; a re-run continues.",
    )
    replayed: bool = Field(
        default=False, description="Model answers replayed from a recording: nothing was spent."
    )
    created_at: AwareDatetime | None = None


class Handoff(BaseModel):
    """Everything a teammate needs to act on a call without replaying it."""

    call_id: str
    destination: Destination
    caller: Caller = Field(default_factory=Caller)
    records: Records = Field(default_factory=Records)
    request: Request = Field(default_factory=Request)
    exception: ExceptionDetails = Field(default_factory=ExceptionDetails)
    field_changes: list[FieldChange] = Field(default_factory=list)
    follow_up: FollowUp = Field(default_factory=FollowUp)
    risk_flags: list[Extracted[RiskFlag]] = Field(default_factory=list)
    workflow: Extracted[Workflow] | None = None
    workflow_details: WorkflowDetails = Field(default_factory=WorkflowDetails)
    damage: DamageDetails | None = None
    urgency: Extracted[Urgency] | None = None
    sentiment: Extracted[Sentiment] | None = None
    priority: Priority | None = None
    prompt_injection: Extracted[str] | None = Field(
        default=None, description="A passage that tries to instruct the system; forces review."
    )
    summary: str = Field(default="", description=f"At most {SUMMARY_MAX_WORDS} words.")
    next_step: str = ""
    grounding: GroundingReport = Field(default_factory=GroundingReport)
    meta: ExtractionMeta

    @field_validator("summary")
    @classmethod
    def _summary_is_short(cls, value: str) -> str:
        words = value.split()
        if len(words) > SUMMARY_MAX_WORDS:
            raise ValueError(f"summary has {len(words)} words; at most {SUMMARY_MAX_WORDS}")
        return clip(value, SUMMARY_MAX_CHARS)

    def risk_flag_values(self) -> set[RiskFlag]:
        """The set of risk flags, without their evidence."""
        return {flag.value for flag in self.risk_flags}

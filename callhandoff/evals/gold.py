"""The gold-label contract: one labelled call in a versioned JSONL dataset.

A dataset line is a `GoldItem`: the transcript itself (our native format, so the
file is self-contained) and the `GoldLabels` a careful human would write. The
label guide is `evals/LABEL_GUIDE.md`; every rule there is about these fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callhandoff.schema.enums import (
    ChangeKind,
    DecisionKind,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
    Workflow,
)
from callhandoff.schema.transcript import Transcript


class GoldLabels(BaseModel):
    """What the handoff for this call should say. `None` / `[]` means "not in the call"."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    secondary_intents: list[Intent] = Field(default_factory=list)
    change_kind: ChangeKind | None = None
    inquiry_topic: InquiryTopic | None = None
    return_reason: ReturnReason | None = None
    refund_expectation: RefundExpectation | None = None
    risk_flags: list[RiskFlag] = Field(default_factory=list)
    urgency: Urgency
    sentiment: Sentiment | None = None
    workflow: Workflow | None = None

    caller_name: str | None = None
    caller_phone: str | None = Field(default=None, description="E.164, e.g. +14155550123.")
    caller_email: str | None = None
    customer_id: str | None = None
    order_id: str | None = Field(
        default=None, description="As the store writes it, e.g. 403-1234567-8901234."
    )
    other_order_ids: list[str] = Field(default_factory=list)
    product_skus: list[str] = Field(default_factory=list)
    booking_id: str | None = None
    deadline_text: str | None = None
    deadline_date: dt.date | None = None
    prompt_injection: bool = False

    decision: DecisionKind | None = Field(
        default=None, description="Expected policy decision against the demo directory."
    )

    @field_validator("secondary_intents", "risk_flags", "product_skus", "other_order_ids")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("list has duplicates")
        return values


class GoldItem(BaseModel):
    """One line of a gold dataset."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable item id: 'hw-0001' (hand-written) or 'cucom-conv_0123'.")
    origin: Literal["handwritten", "cucom", "abcd", "review"] = Field(
        description="review: a call a reviewer approved in the review queue (its values as gold)."
    )
    split: Literal["train", "dev"] = Field(
        description="train: may be used to fit the offline classifier; dev: scoring only."
    )
    transcript: Transcript
    gold: GoldLabels
    notes: str | None = Field(default=None, description="Labeller's note on a hard call.")
    corrected_fields: list[str] = Field(
        default_factory=list,
        description="For review items: the fields the reviewer changed from the extraction.",
    )

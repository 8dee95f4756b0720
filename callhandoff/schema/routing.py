"""The routing contract: how a call matched store records, what the policy decided, what is sent."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from callhandoff.schema.enums import DecisionKind, Destination

MatchField = Literal["order_id", "phone", "email", "name", "product", "booking_id", "customer_id"]


class FieldAgreement(BaseModel):
    """One comparison between what the caller said and what the store holds."""

    field: MatchField
    said: str | None
    on_record: str | None
    agrees: bool


class RecordMatch(BaseModel):
    """The caller matched to the store's customer, order, product or booking."""

    matched: bool
    confidence: float = Field(ge=0.0, le=1.0)
    method: str | None = Field(default=None, description="order_id, phone, email, fuzzy_name, ...")
    customer_id: str | None = None
    order_id: str | None = None
    booking_id: str | None = None
    skus: list[str] = Field(default_factory=list)
    agreements: list[FieldAgreement] = Field(default_factory=list)
    findings: list[str] = Field(
        default_factory=list,
        description="Store-aware checks, e.g. 'order_not_callers', 'return_window_closed'.",
    )

    @property
    def disagreements(self) -> list[FieldAgreement]:
        """The comparisons where the caller and the record differ."""
        return [a for a in self.agreements if not a.agrees]


class Reason(BaseModel):
    """Why a rule fired: a stable machine code and one human sentence."""

    code: str
    message: str


class Decision(BaseModel):
    """The deterministic policy's verdict on one call."""

    kind: DecisionKind
    reasons: list[Reason] = Field(default_factory=list)
    idempotency_key: str
    policy_version: str = Field(description="Content hash of the policy that decided.")


class DestinationAction(BaseModel):
    """What would be (or was) sent to the destination for this call."""

    destination: Destination
    action: str = Field(
        description="cloudcart: create_subscriber | update_subscribers; cults: share_on_create; "
        "review_queue / none when nothing is sent automatically."
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    lookups: list[str] = Field(
        default_factory=list, description="Lookups done first, e.g. cults get_approved_origins."
    )

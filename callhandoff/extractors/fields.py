"""`DeterministicFields`: everything the rule-based extractors found in one call.

The offline backend builds its handoff from it; the LLM backend cross-checks the
model's ids, phones, emails, amounts and deadline against it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from callhandoff.schema import Deadline, Extracted, Money


class DeterministicFields(BaseModel):
    """Exact values with evidence; lists are most relevant first (amounts in call order)."""

    model_config = ConfigDict(frozen=True)

    order_ids: list[Extracted[str]] = Field(default_factory=list)
    skus: list[Extracted[str]] = Field(default_factory=list)
    booking_ids: list[Extracted[str]] = Field(default_factory=list)
    phones: list[Extracted[str]] = Field(default_factory=list, description="E.164.")
    emails: list[Extracted[str]] = Field(default_factory=list, description="Lower-case.")
    names: list[Extracted[str]] = Field(default_factory=list, description="Title-cased.")
    amounts: list[Extracted[Money]] = Field(default_factory=list)
    deadline: Extracted[Deadline] | None = None
    sensitive: list[Extracted[str]] = Field(
        default_factory=list, description="Masked descriptions, never the secret itself."
    )
    injection: Extracted[str] | None = None

"""The `matching:` block of the policy file: the matcher's thresholds, scores and penalties.

Kept apart from the matcher, so reading a policy (as `callhandoff explain` does) does not
load the matching libraries.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class MatchSettings(BaseModel):
    """Matching thresholds; the `matching:` block of the policy file."""

    fuzzy_name_min: float = Field(default=85.0, ge=0, le=100)
    name_agree_min: float = Field(default=85.0, ge=0, le=100)
    product_agree_min: float = Field(default=80.0, ge=0, le=100)
    ambiguity_margin: float = Field(default=5.0, ge=0, le=100)
    base_confidence: dict[str, float] = Field(
        default_factory=lambda: {
            "order_id": 0.95,
            "booking_id": 0.95,
            "customer_id": 0.9,
            "phone": 0.9,
            "email": 0.9,
            "caller_id": 0.85,
            "fuzzy_name": 0.7,
        }
    )
    agreement_bonus: float = Field(default=0.05, ge=0, le=1)
    disagreement_penalty: dict[str, float] = Field(
        default_factory=lambda: {
            "customer_id": 0.3,
            "email": 0.25,
            "phone": 0.25,
            "name": 0.15,
            "product": 0.1,
            "order_id": 0.3,
            "booking_id": 0.3,
        }
    )
    finding_penalty: dict[str, float] = Field(
        default_factory=lambda: {
            "order_not_callers": 0.3,
            "booking_not_callers": 0.3,
            "ambiguous_caller": 0.15,
            "order_id_digits_only": 0.05,
        }
    )
    dropped_identifier_penalty: float = Field(default=0.1, ge=0, le=1)
    product_bonus: float = Field(default=0.1, ge=0, le=1)

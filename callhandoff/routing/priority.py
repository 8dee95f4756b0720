"""Routing priority: rises with urgency, customer value, repeat trouble and a near deadline.

Computed from grounded values only (and, once matched, from store records), so a
caller cannot talk their way up the queue with an unsupported claim.
"""

from __future__ import annotations

from datetime import datetime

from callhandoff.schema.enums import URGENCY_RANK, RiskFlag, Urgency
from callhandoff.schema.handoff import Handoff, Priority

_URGENCY_BASE = {Urgency.LOW: 10, Urgency.NORMAL: 30, Urgency.HIGH: 55, Urgency.CRITICAL: 80}
_HIGH_TIERS = {"gold", "platinum", "vip"}
_SERIOUS_FLAGS = {
    RiskFlag.LEGAL_OR_CHARGEBACK_THREAT,
    RiskFlag.SAFETY_HAZARD,
    RiskFlag.FRAUD_CONCERN,
    RiskFlag.URGENT_TRAVEL,
}
HIGH_ORDER_VALUE = 200.0


def _level(score: int) -> Urgency:
    if score >= 75:
        return Urgency.CRITICAL
    if score >= 50:
        return Urgency.HIGH
    if score >= 25:
        return Urgency.NORMAL
    return Urgency.LOW


def compute_priority(
    handoff: Handoff,
    *,
    reference: datetime,
    vip: bool | None = None,
    loyalty_tier: str | None = None,
    order_value: float | None = None,
) -> Priority:
    """Score 0-100 and a level never below the call's own urgency.

    `vip`, `loyalty_tier` and `order_value` come from the matched store records
    when there are any; otherwise from what the caller said (already grounded).
    """
    urgency = handoff.urgency.value if handoff.urgency else Urgency.NORMAL
    score = _URGENCY_BASE[urgency]
    factors: list[str] = [f"urgency:{urgency.value}"]

    caller = handoff.caller
    is_vip = vip if vip is not None else bool(caller.vip and caller.vip.value)
    tier = (loyalty_tier or (caller.loyalty_status.value if caller.loyalty_status else "")).lower()
    value = order_value
    if value is None and caller.order_value is not None:
        value = caller.order_value.value.amount
    if is_vip:
        score += 15
        factors.append("vip")
    if tier in _HIGH_TIERS:
        score += 10
        factors.append(f"loyalty:{tier}")
    if value is not None and value >= HIGH_ORDER_VALUE:
        score += 10
        factors.append(f"order_value>={HIGH_ORDER_VALUE:g}")
    if caller.repeat_complaint is not None and caller.repeat_complaint.value:
        score += 10
        factors.append("repeat_complaint")
    deadline = handoff.exception.deadline
    if deadline is not None and deadline.value.date is not None:
        days = (deadline.value.date - reference.date()).days
        if days <= 2:
            score += 15
            factors.append(f"deadline_in_{max(days, 0)}d")
    serious = sorted(flag.value for flag in handoff.risk_flags if flag.value in _SERIOUS_FLAGS)
    if serious:
        score += 10
        factors.extend(f"risk:{flag}" for flag in serious)

    score = min(score, 100)
    level = _level(score)
    if URGENCY_RANK[level] < URGENCY_RANK[urgency]:
        level = urgency
    return Priority(level=level, score=score, factors=factors)

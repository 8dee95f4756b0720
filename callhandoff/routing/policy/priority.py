"""Routing priority: rises with urgency, customer value, repeat trouble and a near deadline.

Computed once per call, by the router, from the same facts the policy rules see
(so the matched store record's VIP flag, tier and order value win over what the
caller claimed) and with the policy's own thresholds: the order value that makes
a customer high-value is `thresholds.high_order_value`, the one the review rule
uses. A caller cannot talk their way up the queue with an unsupported claim.
"""

from __future__ import annotations

from typing import Any

from callhandoff.schema.enums import URGENCY_RANK, RiskFlag, Urgency
from callhandoff.schema.handoff import Priority

_URGENCY_BASE = {Urgency.LOW: 10, Urgency.NORMAL: 30, Urgency.HIGH: 55, Urgency.CRITICAL: 80}
_HIGH_TIERS = {"gold", "platinum", "vip"}
_SERIOUS_FLAGS = {
    RiskFlag.LEGAL_OR_CHARGEBACK_THREAT,
    RiskFlag.SAFETY_HAZARD,
    RiskFlag.FRAUD_CONCERN,
    RiskFlag.URGENT_TRAVEL,
}
#: A deadline this many days away or closer raises the priority.
NEAR_DEADLINE_DAYS = 2


def _level(score: int) -> Urgency:
    if score >= 75:
        return Urgency.CRITICAL
    if score >= 50:
        return Urgency.HIGH
    if score >= 25:
        return Urgency.NORMAL
    return Urgency.LOW


def compute_priority(facts: dict[str, Any], thresholds: dict[str, float]) -> Priority:
    """Score 0-100 and a level never below the call's own urgency.

    Reads the facts `urgency`, `vip`, `loyalty_tier`, `order_value`,
    `repeat_complaint`, `deadline_in_days` and `risk_flags` (see `policy.facts`).
    """
    urgency = Urgency(facts.get("urgency") or Urgency.NORMAL)
    score = _URGENCY_BASE[urgency]
    factors: list[str] = [f"urgency:{urgency.value}"]

    tier = (facts.get("loyalty_tier") or "").lower()
    value = facts.get("order_value")
    high_value = thresholds.get("high_order_value")
    if facts.get("vip"):
        score += 15
        factors.append("vip")
    if tier in _HIGH_TIERS:
        score += 10
        factors.append(f"loyalty:{tier}")
    if value is not None and high_value is not None and value >= high_value:
        score += 10
        factors.append(f"order_value>={high_value:g}")
    if facts.get("repeat_complaint"):
        score += 10
        factors.append("repeat_complaint")
    days = facts.get("deadline_in_days")
    if days is not None and days <= NEAR_DEADLINE_DAYS:
        score += 15
        factors.append(f"deadline_in_{max(days, 0)}d")
    serious = sorted(flag for flag in facts.get("risk_flags", []) if flag in _SERIOUS_FLAGS)
    if serious:
        score += 10
        factors.extend(f"risk:{flag}" for flag in serious)

    score = min(score, 100)
    level = _level(score)
    if URGENCY_RANK[level] < URGENCY_RANK[urgency]:
        level = urgency
    return Priority(level=level, score=score, factors=factors)

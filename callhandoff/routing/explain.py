"""`callhandoff explain`: why a call got its decision, in plain words, from what the store kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callhandoff.exceptions import ConfigError, NotFoundError
from callhandoff.routing.policy.engine import decide
from callhandoff.routing.policy.file import policy_from_document
from callhandoff.store.rows import CallHistory

FINDINGS: dict[str, str] = {
    "order_not_found": "the order id the caller gave is not in the store",
    "booking_not_found": "the booking reference the caller gave is not in the store",
    "customer_not_found": "the customer id the caller gave is not in the store",
    "order_not_callers": "the order belongs to a different customer than the caller",
    "booking_not_callers": "the booking belongs to a different customer than the caller",
    "order_id_digits_only": "the order was found by its digits only, not the full id",
    "sku_unknown": "a SKU the caller named is not in the catalogue",
    "sku_not_in_order": "a SKU the caller named is not in the matched order",
    "return_window_open": "the return window is still open",
    "return_window_closed": "the return window has closed",
    "not_returnable": "the item is not returnable (return window of 0 days)",
    "out_of_stock": "the product asked about is out of stock",
    "ambiguous_caller": "several customers fit what the caller said",
    "product_ambiguous": "several catalogue products fit the product the caller named",
    "store_mismatch": "the record belongs to another store than the one called",
}


def _match_lines(match: dict[str, Any] | None, thresholds: dict[str, Any]) -> list[str]:
    if not match or not match.get("matched"):
        return ["  Not matched: no customer, order or booking in the store fits the call."]
    found = [
        f"customer {match['customer_id']}" if match.get("customer_id") else None,
        f"order {match['order_id']}" if match.get("order_id") else None,
        f"booking {match['booking_id']}" if match.get("booking_id") else None,
    ]
    lines = [
        f"  Matched {', '.join(f for f in found if f)} by {match.get('method')}; confidence "
        f"{match['confidence']:.2f} (the policy needs {thresholds.get('match_confidence', '?')})."
    ]
    for agreement in match.get("agreements", []):
        verb = "agrees" if agreement["agrees"] else "DISAGREES"
        lines.append(
            f"  - {agreement['field']}: said {agreement['said']!r}, record has "
            f"{agreement['on_record']!r}: {verb}"
        )
    for finding in match.get("findings", []):
        lines.append(f"  - finding {finding}: {FINDINGS.get(finding, finding)}")
    return lines


def rule_trace(history: CallHistory) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The latest decision's rule-by-rule trace and its policy's thresholds: the stored facts
    decided again under the stored policy (a decision stored before the store kept
    policies has them in its trace). Empty when neither is kept."""
    row = history.decision
    if row is None:
        return [], {}
    if "rules" in row.trace:
        return row.trace["rules"], row.trace.get("thresholds", {})
    if history.policy is None:
        return [], {}
    policy = policy_from_document(history.policy.document, history.policy.source)
    return [outcome.to_json() for outcome in decide(policy, row.facts).trace], policy.thresholds


def _kept_rule_trace(history: CallHistory) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """`rule_trace`, and what to say instead when it has no rule to show."""
    row = history.decision
    assert row is not None
    try:
        rules, thresholds = rule_trace(history)
    except ConfigError as exc:  # a policy kept by an older version this one cannot read
        return [], {}, f"policy {row.policy_version} cannot be read by this version: {exc}"
    if "rules" in row.trace or history.policy is not None:
        return rules, thresholds, "no rule is enabled in this policy"
    return rules, thresholds, f"the store does not keep policy {row.policy_version}"


def _rule_lines(rules: list[dict[str, Any]], kind: str, show_all: bool) -> list[str]:
    lines: list[str] = []
    fired = [r for r in rules if r["fired"]]
    for rule in fired:
        reason = rule.get("reason") or {}
        if rule.get("suppressed_by"):
            status = f"switched off by allow rule {rule['suppressed_by']}"
        elif rule["decision"] == kind:
            status = "decides"
        elif rule["decision"] in {"note", "allow"}:
            status = rule["decision"]
        else:
            status = f"outranked by {kind}"
        lines.append(f"  * {rule['rule']} -> {rule['decision']} ({status})")
        if reason.get("message"):
            lines.append(f"      {reason['message']}")
        lines.extend(f"      {test}" for test in rule["tests"])
    quiet = [r for r in rules if not r["fired"]]
    if show_all:
        lines.append("  Rules that did not fire:")
        for rule in quiet:
            lines.append(f"  - {rule['rule']} -> {rule['decision']}")
            lines.extend(f"      {test}" for test in rule["tests"])
    else:
        lines.append(
            f"  ({len(quiet)} other rules did not fire; --all lists them with their tests)"
        )
    return lines


def _purge_lines(purged: dict[int, datetime], version: int | None) -> list[str]:
    """Which transcript versions `callhandoff purge` removed, and when."""
    lines = []
    if version in purged:
        lines.append(
            f"Transcript purged on {purged[version]:%Y-%m-%d %H:%M} UTC (past retention): its "
            "words, quotes and summary are gone; the decision, reasons and actions are kept."
        )
    older = sorted(v for v in purged if v != version)
    if older:
        listed = ", ".join(f"{v} on {purged[v]:%Y-%m-%d}" for v in older)
        lines.append(f"Other transcript versions purged: {listed}.")
    return lines


def explain_call(history: CallHistory, *, show_all: bool = False) -> str:
    """A plain-words account of the latest decision in a call's stored history."""
    call, row = history.call, history.decision
    if row is None:
        raise NotFoundError(f"call {call.call_id!r} has no decision yet")
    facts: dict[str, Any] = row.facts
    trace: dict[str, Any] = row.trace
    rules, thresholds, no_rules = _kept_rule_trace(history)
    kind = row.kind
    lines = [
        f"Call {call.call_id} ({call.destination}"
        + (f", store {call.store}" if call.store else "")
        + f"): transcript version {row.version} of {call.current_version}"
        + (
            " (the transcript changed since it was first processed)"
            if facts.get("transcript_changed")
            else ""
        ),
        *_purge_lines(history.purged, row.version),
        f"Decision: {kind.upper()}  "
        f"(policy {row.policy_version} from {trace.get('policy_source')})",
        "",
        "Why:",
    ]
    lines.extend(f"  - [{r['code']}] {r['message']}" for r in row.reasons)
    if trace.get("by_default"):
        lines.append("  (no deciding rule fired, so the policy's default applied)")
    if trace.get("proposed") and kind == "review":
        lines.append(f"  Without the review rules this call would be: {trace['proposed']}.")
    lines += ["", "Match:", *_match_lines(row.match, thresholds), "", "Rules that fired:"]
    if rules:
        lines.extend(_rule_lines(rules, kind, show_all))
    else:
        lines.append(f"  ({no_rules}: no rule to show)")
    lines += ["", "Thresholds: " + ", ".join(f"{k} {v:g}" for k, v in sorted(thresholds.items()))]
    action = row.action or {}
    lines.append(
        f"Action: {action.get('action', 'none')} for {action.get('destination', '?')}"
        + (f" (lookup first: {', '.join(action['lookups'])})" if action.get("lookups") else "")
    )
    for sent in history.outbox:
        lines.append(
            f"  outbox #{sent.id} {sent.state}: key {sent.idempotency_key}, "
            f"{sent.attempts} attempt(s)"
            + (f", last error: {sent.last_error}" if sent.last_error else "")
        )
    for review in history.reviews:
        lines.append(f"  review item #{review.id} {review.state}: {', '.join(review.reason_codes)}")
    return "\n".join(lines)

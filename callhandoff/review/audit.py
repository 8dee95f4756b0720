"""The audit log in words: one block per reviewer action (`callhandoff review log`, the app)."""

from __future__ import annotations

from typing import Any

from callhandoff.store.rows import ReviewActionRow


def shown(value: Any) -> str:
    """A plain field value as one short string."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v)
    return str(value)


def change_line(change: dict[str, Any]) -> str:
    """`field: old -> new`."""
    return f"{change['field']}: {shown(change.get('old'))} -> {shown(change.get('new'))}"


def decision_text(decision: dict[str, Any]) -> str:
    """`review [reason, ...]` or `create share_on_create`."""
    kind = str(decision.get("kind", "?"))
    if kind == "review":
        return f"review [{', '.join(decision.get('reasons', []))}]"
    action = decision.get("action")
    return f"{kind} {action}" if action and action != "none" else f"{kind} (nothing sent)"


def describe(action: ReviewActionRow) -> list[str]:
    """The lines that tell one audited action."""
    lines = [
        f"{action.at:%Y-%m-%d %H:%M:%S} UTC  {action.reviewer}  {action.action.value}  "
        f"{action.call_id}  (item #{action.item_id}, version {action.item_version})",
        f"  decision: {decision_text(action.decision_before)} -> "
        f"{decision_text(action.decision_after)}",
    ]
    if action.outbox_id is not None:
        key = action.decision_after.get("idempotency_key")
        lines.append(f"  outbox #{action.outbox_id}" + (f" (key {key})" if key else ""))
    lines.extend(f"  changed {change_line(change)}" for change in action.changes)
    if action.reject_reason:
        lines.append(f"  reason: {action.reject_reason}")
    if action.note:
        lines.append(f"  note: {action.note}")
    return lines

"""Call page: the transcript with evidence, the fields, match, decision, payload; the actions."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from callhandoff.exceptions import InvalidEditError, NotFoundError, ReviewError
from callhandoff.review.fields import BY_NAME, CHANGES, FIELDS, plain
from callhandoff.review.highlight import anchor
from callhandoff.review.item import Approval, ItemView
from callhandoff.review.service import REJECT_REASONS
from callhandoff.schema.handoff import Handoff
from callhandoff.store.rows import ReviewState
from callhandoff.ui import state
from callhandoff.ui.widgets import ANY, confidence, waited, when

state.sidebar()
service = state.service()
reviewer = state.reviewer()
now = datetime.now(UTC)


def _go_next(next_item: int | None) -> None:
    if next_item is None:
        st.session_state["to_queue"] = True
    else:
        st.query_params["item"] = str(next_item)


def _approve(item_id: int, version: int, edits: dict[str, Any] | None) -> None:
    try:
        result = service.approve(
            item_id,
            state.reviewer(),
            version,
            edits=edits,
            note=st.session_state.get(f"note-{item_id}") or None,
            queue=state.queue_filter(),
        )
    except InvalidEditError as exc:
        state.flash("error", str(exc))
        return
    except ReviewError as exc:
        state.flash("error", f"Not applied: {exc}")
        return
    state.flash("success", result.message)
    _go_next(result.next_item)


def _reject(item_id: int, version: int) -> None:
    reason = str(st.session_state.get(f"reject-reason-{item_id}", ""))
    text = str(st.session_state.get(f"reject-text-{item_id}", ""))
    try:
        result = service.reject(
            item_id, state.reviewer(), version, reason, text, queue=state.queue_filter()
        )
    except ReviewError as exc:
        state.flash("error", f"Not applied: {exc}")
        return
    state.flash("success", result.message)
    _go_next(result.next_item)


def _release(item_id: int) -> None:
    service.release(item_id, state.reviewer())
    st.session_state["to_queue"] = True


if st.session_state.pop("to_queue", False):
    st.switch_page(state.QUEUE_PAGE)

raw = st.query_params.get("item")
if not raw or not str(raw).isdigit():
    st.title("Call")
    state.show_flash()
    st.info("Open a call from the queue (or press “Review next” there).")
    st.page_link(state.QUEUE_PAGE, label="Go to the queue", icon=":material/inbox:")
    st.stop()
item_id = int(str(raw))

holder: str | None = None
try:
    if reviewer:
        row = service.claim(item_id, reviewer)
        holder = row.held_by_other(reviewer, now)
    selected = st.session_state.get(f"show-{item_id}")
    view: ItemView = service.view(item_id, reviewer or None, selected=selected)
except NotFoundError as exc:
    st.error(str(exc))
    st.stop()

context = view.context
item = context.item
st.title(f"Call {item.call_id}")
state.show_flash()
st.caption(
    f"{item.destination} · store {context.call.store or '—'} · urgency {item.urgency} "
    f"(priority {item.priority_score}) · waiting {waited(item.created_at, now)} · "
    f"transcript version {context.transcript_version} · item #{item.id} v{item.version}"
)
is_open = item.state is ReviewState.OPEN
can_act = is_open and bool(reviewer) and holder is None
if not is_open:
    last = view.history[-1] if view.history else None
    who = f" by {last.reviewer} at {when(last.at)}" if last else ""
    st.info(f"This call is {item.state.value}{who}; nothing more to do here.")
elif holder is not None:
    st.warning(f"{holder} is reviewing this call until {when(item.claimed_until)}: read only.")
elif not reviewer:
    st.warning("Set your name in the sidebar to claim this call and act on it.")
else:
    st.caption(f"You hold this call for {service.settings.review_claim_minutes:g} minutes.")

left, right = st.columns([3, 2])
with right:
    st.subheader("Fields")
    shown = [f for f in view.fields if f.quote]
    keys = [ANY, *(f.key for f in shown)]
    labels = {f.key: f"{f.label}: {f.value}" for f in shown}
    chosen = st.selectbox(
        "Show the evidence of",
        keys,
        key=f"show-{item_id}",
        format_func=lambda key: "(choose a field)" if key == ANY else labels.get(key, key),
    )
    picked = view.field(chosen) if chosen != ANY else None
    if picked is not None:
        st.markdown(
            f"**{picked.label}** = `{picked.value}` · turn {picked.turn} · "
            f"confidence {confidence(picked.confidence)} · {picked.source}"
        )
        st.markdown(f"> {picked.quote}")
    rows = "".join(
        f'<tr><td><span style="background:{f.color};padding:0 6px;border-radius:3px">'
        f"{html.escape(f.label)}</span></td><td>{html.escape(f.value)}</td>"
        f"<td>{confidence(f.confidence)}</td><td>{html.escape(f.source)}</td>"
        f"<td>{'' if f.turn is None else f.turn}</td></tr>"
        for f in view.fields
    )
    st.html(
        '<table style="font-size:0.85em;width:100%"><tr><th>field</th><th>value</th>'
        f"<th>conf.</th><th>source</th><th>turn</th></tr>{rows}</table>"
    )
with left:
    st.subheader("Transcript")
    turns = "".join(
        f'<div style="margin:0 0 6px 0"><b>{t.index} · {t.speaker}</b>: {t.html}</div>'
        for t in view.turns
    )
    st.html(
        f'<div style="max-height:560px;overflow-y:auto;padding:6px;border:1px solid #ddd;'
        f'border-radius:6px;line-height:1.6">{turns}</div>'
    )
    if picked is not None:
        target = json.dumps(anchor(picked.key))
        components.html(
            "<script>const el = window.parent.document.getElementById("
            + target
            + "); if (el) { el.scrollIntoView({behavior: 'smooth', block: 'center'}); }</script>",
            height=0,
        )

if view.dropped:
    st.subheader("Dropped by the grounding check")
    st.dataframe(
        [{"field": f, "value": v, "why": why} for f, v, why in view.dropped], hide_index=True
    )

match_col, decision_col = st.columns(2)
with match_col:
    st.subheader("Record match")
    match = view.match
    if match is None or not match.matched:
        st.markdown("**Not matched**: no customer, order or booking in the store fits the call.")
    else:
        found = ", ".join(
            f"{kind} {value}"
            for kind, value in (
                ("customer", match.customer_id),
                ("order", match.order_id),
                ("booking", match.booking_id),
            )
            if value
        )
        st.markdown(f"Matched {found} by **{match.method}**, confidence {match.confidence:.2f}.")
    if match is not None and match.agreements:
        st.dataframe(
            [
                {
                    "identifier": a.field,
                    "said": a.said,
                    "on record": a.on_record,
                    "": "agrees" if a.agrees else "DISAGREES",
                }
                for a in match.agreements
            ],
            hide_index=True,
        )
    for finding in view.findings:
        st.markdown(f"- {finding}")
with decision_col:
    st.subheader("Decision: review")
    for code, message in view.reasons:
        st.markdown(f"- **{code}**: {message}")
    if view.proposed:
        st.markdown(f"Without the review rules this call would be: **{view.proposed}**.")
    else:
        st.markdown("Without the review rules the policy proposes **no action** for this call.")


def _show_approval(approval: Approval, heading: str) -> None:
    st.markdown(f"**{heading}**")
    if not approval.possible:
        st.error(
            "Approving sends nothing: the policy proposes no action for this call. "
            "Correct the fields so it can, or reject it."
        )
        for code, message in approval.reasons:
            st.markdown(f"- **{code}**: {message}")
        return
    target = f"{approval.action} to {item.destination}"
    lookups = f" (after {', '.join(approval.lookups)})" if approval.lookups else ""
    st.markdown(
        f"Decision **{approval.kind}** → `{target}`{lookups}, key `{approval.idempotency_key}`"
    )
    if approval.overridden:
        st.warning(
            "Still needs review for: "
            + "; ".join(f"{code} ({message})" for code, message in approval.overridden)
            + ". Approving overrides these."
        )
    if approval.diff:
        st.markdown("Update, old → new:")
        st.dataframe(
            [
                {"field": d.field, "old": d.old, "new": d.new, "sent": "yes" if d.sent else "no"}
                for d in approval.diff
            ],
            hide_index=True,
        )
    st.json(approval.payload, expanded=False)


st.subheader("What approval sends")
_show_approval(view.approval, "Approve as it is")

if is_open:
    st.subheader("Act")
    version = item.version
    st.text_input("Note (optional, kept in the audit log)", key=f"note-{item_id}")
    act = st.columns([1, 1, 2])
    act[0].button(
        "Approve",
        type="primary",
        key=f"approve-{item_id}",
        disabled=not can_act or not view.approval.possible,
        on_click=_approve,
        args=(item_id, version, None),
    )
    act[1].button(
        "Release",
        key=f"release-{item_id}",
        disabled=not can_act,
        on_click=_release,
        args=(item_id,),
    )
    with st.expander("Edit fields, then approve", key=f"edit-box-{item_id}"):
        handoff = Handoff.model_validate(context.handoff)
        with st.form(f"edit-{item_id}"):
            values: dict[str, Any] = {}
            for definition in FIELDS:
                key = f"e-{item_id}-{definition.name}"
                now_value = plain(handoff, definition)
                if definition.kind == "enum" and definition.multi:
                    values[definition.name] = st.multiselect(
                        definition.label, definition.choices, default=now_value or [], key=key
                    )
                elif definition.kind == "enum":
                    options = ["", *definition.choices]
                    values[definition.name] = st.selectbox(
                        definition.label,
                        options,
                        index=options.index(now_value) if now_value in options else 0,
                        key=key,
                    )
                elif definition.kind == "flag":
                    values[definition.name] = st.checkbox(
                        definition.label, value=bool(now_value), disabled=not now_value, key=key
                    )
                elif definition.kind == "deadline":
                    current = now_value if isinstance(now_value, dict) else {}
                    text = st.text_input("Deadline (as said)", current.get("text") or "", key=key)
                    date = st.text_input(
                        "Deadline date (YYYY-MM-DD)", current.get("date") or "", key=key + "-d"
                    )
                    values[definition.name] = {"text": text, "date": date or None}
                elif definition.multi:
                    typed = st.text_input(
                        definition.label + " (comma separated)",
                        ", ".join(now_value or []) if isinstance(now_value, list) else "",
                        key=key,
                    )
                    values[definition.name] = [v.strip() for v in typed.split(",") if v.strip()]
                else:
                    values[definition.name] = st.text_input(
                        definition.label, str(now_value or ""), key=key
                    )
            changes = []
            for change in handoff.field_changes:
                new = st.text_input(
                    f"Change {change.field}: {change.old_value or '?'} → (empty drops it)",
                    change.new_value,
                    key=f"e-{item_id}-change-{change.field}",
                )
                changes.append({"field": change.field, "new_value": new})
            if changes:
                values[CHANGES] = changes
            checked = st.form_submit_button("Check the edit and preview", disabled=not can_act)
    if checked:
        edits = {
            name: (None if value == "" else value)
            for name, value in values.items()
            if name in BY_NAME or name == CHANGES
        }
        st.session_state[f"edit-{item_id}-pending"] = edits
    pending = st.session_state.get(f"edit-{item_id}-pending")
    if pending is not None and can_act:
        preview = service.preview_edit(item_id, pending, reviewer)
        if preview.outcome.problems:
            for name, why in preview.outcome.problems.items():
                st.error(f"{name}: {why}")
        elif not preview.outcome.changes:
            st.info("Nothing changed: use Approve to approve the call as it is.")
        elif preview.approval is not None:
            st.markdown(
                "Your changes: "
                + "; ".join(
                    f"{c['field']}: {c['old'] or '—'} → {c['new'] or '—'}"
                    for c in preview.outcome.changes
                )
            )
            _show_approval(preview.approval, "After your edit")
            st.button(
                "Confirm and approve",
                type="primary",
                key=f"confirm-{item_id}",
                disabled=not preview.approval.possible,
                on_click=_approve,
                args=(item_id, version, pending),
            )
    with st.expander("Reject", key=f"reject-box-{item_id}"):
        st.selectbox(
            "Reason",
            list(REJECT_REASONS),
            format_func=lambda code: REJECT_REASONS[code],
            key=f"reject-reason-{item_id}",
        )
        st.text_area("Why (required for “Other”)", key=f"reject-text-{item_id}")
        st.button(
            "Reject (nothing is sent)",
            key=f"reject-{item_id}",
            disabled=not can_act,
            on_click=_reject,
            args=(item_id, version),
        )

if view.history:
    st.subheader("History")
    from callhandoff.review.audit import describe

    st.code("\n".join(line for action in view.history for line in describe(action)), language=None)

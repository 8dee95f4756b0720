"""Queue page: every call awaiting review, counted, filtered, sorted by priority then age."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from callhandoff.schema.enums import Destination, Intent, Urgency
from callhandoff.store import review_queue
from callhandoff.store.review_queue import QueueFilter
from callhandoff.ui import state
from callhandoff.ui.widgets import AGES, ANY, waited

state.sidebar()
service = state.service()
engine = service.engine
now = datetime.now(UTC)
saved = state.queue_filter()

st.title("Review queue")
state.show_flash()


def _pick(label: str, options: list[str], key: str) -> str | None:
    choices = [ANY, *options]
    remember = state.kept(key, ANY)
    if st.session_state[key] not in choices:
        st.session_state[key] = ANY
    chosen = st.selectbox(label, choices, key=key, on_change=remember)
    return None if chosen == ANY else chosen


everything = review_queue.counts(engine, QueueFilter(), now)
cols = st.columns([2, 1, 1, 1, 1, 2])
with cols[0]:
    reason = _pick("Reason", list(everything.by_reason), "f_reason")
with cols[1]:
    destination = _pick("Destination", [d.value for d in Destination], "f_dest")
with cols[2]:
    urgency = _pick("Urgency", [u.value for u in Urgency], "f_urgency")
with cols[3]:
    intent = _pick("Intent", [i.value for i in Intent], "f_intent")
with cols[4]:
    age = st.selectbox("Age", list(AGES), key="f_age", on_change=state.kept("f_age", "any age"))
with cols[5]:
    text = st.text_input(
        "Search",
        key="f_text",
        placeholder="call id, caller, order id",
        on_change=state.kept("f_text", ""),
    )
newer, older = AGES[age]
wanted = QueueFilter(
    reason=reason,
    destination=destination,
    urgency=urgency,
    intent=intent,
    newer_than=newer,
    older_than=older,
    text=text.strip() or None,
)
if wanted != saved:
    st.session_state["queue_page"] = 0
state.set_queue_filter(wanted)

counts = review_queue.counts(engine, wanted, now)
top = st.columns([1, 2, 1, 1])
top[0].metric("Awaiting review", counts.total, help=f"{everything.total} in the whole queue")
for column, title, found in (
    (top[1], "By reason", counts.by_reason),
    (top[2], "By destination", counts.by_destination),
    (top[3], "By urgency", counts.by_urgency),
):
    with column:
        st.markdown(f"**{title}**")
        st.markdown("\n".join(f"- {n} · `{key}`" for key, n in found.items()) or "—")

size = service.settings.review_page_size
pages = max((counts.total + size - 1) // size, 1)
number = min(int(st.session_state.get("queue_page", 0)), pages - 1)
reviewer = state.reviewer()

bar = st.columns([2, 1, 1, 2])
if bar[0].button("Review next", type="primary", disabled=counts.total == 0 or not reviewer):
    first = service.next_item(wanted, reviewer)
    if first is None:
        st.warning("Every call in this filter is held by another reviewer right now.")
    else:
        st.switch_page(state.ITEM_PAGE, query_params={"item": str(first)})
if bar[1].button("◀ Previous", disabled=number == 0):
    st.session_state["queue_page"] = number - 1
    st.rerun()
if bar[2].button("Next ▶", disabled=number >= pages - 1):
    st.session_state["queue_page"] = number + 1
    st.rerun()
bar[3].caption(f"Page {number + 1} of {pages} · sorted by priority, then oldest first")
if not reviewer:
    st.info("Set your name in the sidebar to start reviewing.")

rows = review_queue.page(engine, wanted, now, number=number, size=size)
table = [
    {
        "call": row.call_id,
        "caller": row.caller or "—",
        "priority": row.priority_score,
        "urgency": row.urgency,
        "intent": row.intent or "—",
        "reasons": ", ".join(row.reason_codes),
        "destination": row.destination,
        "waiting": waited(row.created_at, now),
        "held by": row.claimed_by
        if row.claimed_by and row.claimed_until and row.claimed_until > now
        else "",
    }
    for row in rows
]
picked = st.dataframe(
    table,
    key="queue_table",
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    width="stretch",
)
chosen = picked.selection.rows if picked is not None else []
if chosen and chosen[0] < len(rows):
    st.switch_page(state.ITEM_PAGE, query_params={"item": str(rows[chosen[0]].id)})

"""Audit log page: every reviewer action, newest first (what `callhandoff review log` prints)."""

from __future__ import annotations

import streamlit as st

from callhandoff.review.audit import change_line, decision_text
from callhandoff.store import review_log
from callhandoff.ui import state
from callhandoff.ui.widgets import when

state.sidebar()
service = state.service()
st.title("Audit log")
call = st.text_input("Only this call id", key="audit_call").strip() or None
actions = review_log.log(service.engine, call, limit=500)
if not actions:
    st.info("No review actions yet.")
    st.stop()
st.dataframe(
    [
        {
            "when": when(a.at),
            "reviewer": a.reviewer,
            "call": a.call_id,
            "action": a.action.value,
            "before": decision_text(a.decision_before),
            "after": decision_text(a.decision_after),
            "changed": "; ".join(change_line(c) for c in a.changes),
            "reason": a.reject_reason or "",
            "note": a.note or "",
            "outbox": a.outbox_id,
        }
        for a in reversed(actions)
    ],
    hide_index=True,
    width="stretch",
)

"""Reviewer agreement page: how often reviewers correct each field, by confidence."""

from __future__ import annotations

import streamlit as st

from callhandoff.review.agreement import agreement
from callhandoff.ui import state

state.sidebar()
service = state.service()
settings = service.settings
target = settings.review_correction_target
st.title("Reviewer agreement")
st.caption(
    "From every approval: the share of extracted values reviewers changed, by the "
    f"extraction's confidence, and the confidence above which fewer than {target:.0%} "
    f"were changed (needing at least {settings.review_min_values} reviewed values)."
)
rows = agreement(service.engine, target=target, min_values=settings.review_min_values)
if not rows:
    st.info("No approvals yet: the curves fill in as reviewers work the queue.")
    st.stop()
st.dataframe(
    [
        {
            "field": r.label,
            "reviewed values": r.values,
            "changed": r.changed,
            "changed %": None if r.rate is None else round(100 * r.rate, 1),
            "added by reviewers": r.added,
            f"threshold for < {target:.0%}": r.threshold,
            "values above it": r.threshold_values or None,
        }
        for r in rows
    ],
    hide_index=True,
    width="stretch",
)
names = {r.label: r for r in rows}
chosen = names[st.selectbox("Reliability curve of", list(names), key="agreement_field")]
curve = [b for b in chosen.curve if b.values]
if not curve:
    st.info("No confidence recorded for this field (reviewers only added values).")
    st.stop()
st.line_chart(
    {
        "confidence": [round((b.low + b.high) / 2, 2) for b in curve],
        "changed by reviewers": [b.rate for b in curve],
        "expected if calibrated": [round(1 - (b.low + b.high) / 2, 2) for b in curve],
    },
    x="confidence",
)
st.dataframe(
    [
        {"confidence": f"{b.low:.1f}–{b.high:.1f}", "values": b.values, "changed": b.changed}
        for b in chosen.curve
    ],
    hide_index=True,
)

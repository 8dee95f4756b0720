"""Eval runs page: every stored run with its headline scores."""

from __future__ import annotations

import streamlit as st

from callhandoff.ui import evaldata, state

state.sidebar()
service = state.service()
st.title("Eval runs")
rows = evaldata.runs_table(service.engine)
if not rows:
    st.info("No eval runs in this store yet: `callhandoff eval run` adds one.")
    st.stop()
st.dataframe(rows, hide_index=True, width="stretch")
st.caption("Open one on “One run”; put two side by side on “Compare runs”.")

"""The reviewer app's entry point: `callhandoff ui` runs `streamlit run` on this file."""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="callhandoff review", page_icon=":material/fact_check:", layout="wide"
)

page = st.navigation(
    {
        "Review": [
            st.Page("pages/queue.py", title="Queue", icon=":material/inbox:", default=True),
            st.Page("pages/item.py", title="Call", icon=":material/call:"),
            st.Page("pages/audit.py", title="Audit log", icon=":material/history:"),
            st.Page("pages/agreement.py", title="Reviewer agreement", icon=":material/rule:"),
        ],
        "Evals": [
            st.Page("pages/eval_runs.py", title="Runs", icon=":material/table:"),
            st.Page("pages/eval_run.py", title="One run", icon=":material/analytics:"),
            st.Page("pages/eval_compare.py", title="Compare runs", icon=":material/compare:"),
        ],
    }
)
page.run()

"""Compare two eval runs: metric deltas and every item whose output changed, with its cost."""

from __future__ import annotations

import streamlit as st

from callhandoff.exceptions import NotFoundError
from callhandoff.ui import evaldata, state

state.sidebar()
service = state.service()
st.title("Compare runs")
runs = [row["run"] for row in evaldata.runs_table(service.engine)]
if len(runs) < 2:
    st.info("Two eval runs are needed: `callhandoff eval run` adds one.")
    st.stop()
cols = st.columns(2)
run_a = cols[0].selectbox("Run A (before)", runs, index=1, key="compare_a")
run_b = cols[1].selectbox("Run B (after)", runs, index=0, key="compare_b")
try:
    view = evaldata.compare_view(service.engine, run_a, run_b)
except NotFoundError as exc:
    st.error(str(exc))
    st.stop()
comparison = view.comparison
if not comparison.same_dataset:
    st.warning("The runs scored different dataset versions: compared on the items they share.")
verdict = comparison.verdict
shown = {"better": st.success, "worse": st.error}.get(verdict.outcome, st.info)
shown(verdict.line)
counts = st.columns(4)
counts[0].metric("Items compared", comparison.items_compared)
counts[1].metric("Right → wrong", view.count("right_to_wrong"))
counts[2].metric("Wrong → right", view.count("wrong_to_right"))
counts[3].metric("Wrong → differently wrong", view.count("wrong_to_wrong"))
if comparison.config:
    st.subheader("What differs between the runs")
    st.dataframe([row.model_dump() for row in comparison.config], hide_index=True, width="stretch")
st.subheader("Headline metrics (B − A, 95 % interval)")
st.dataframe(
    [
        {
            "metric": t.metric,
            "A": t.a,
            "B": t.b,
            "interval": "" if t.low is None else f"[{t.low:+.3f}, {t.high:+.3f}]",
            "McNemar p": t.p_value,
            "outcome": t.outcome,
        }
        for t in comparison.headline
    ],
    hide_index=True,
    width="stretch",
)
st.subheader("Items whose output changed")
st.caption("Cost effect: decision cost in B minus in A (positive = B's decision costs more).")
st.dataframe(
    [
        {
            "item": item.item_id,
            "cost effect": item.cost_effect,
            "changes": "; ".join(
                f"{c.field} {c.kind.replace('_', ' ')} ({c.a} → {c.b}, gold {c.gold})"
                for c in item.changes
            ),
        }
        for item in view.items
    ],
    hide_index=True,
    width="stretch",
)

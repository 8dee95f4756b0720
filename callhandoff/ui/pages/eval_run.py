"""One eval run: per-field charts, the items right or wrong on a field, one item in full."""

from __future__ import annotations

import streamlit as st

from callhandoff.exceptions import NotFoundError
from callhandoff.ui import evaldata, state

state.sidebar()
service = state.service()
st.title("One eval run")
runs = [row["run"] for row in evaldata.runs_table(service.engine)]
if not runs:
    st.info("No eval runs in this store yet: `callhandoff eval run` adds one.")
    st.stop()
run_id = st.selectbox("Run", runs, key="eval_run")
try:
    view = evaldata.run_view(service.engine, run_id)
except NotFoundError as exc:
    st.error(str(exc))
    st.stop()
record = view.record
st.caption(
    f"{record.backend} {record.model or ''} · prompt {record.prompt_id or '—'} · dataset "
    f"{record.dataset_version[:12]} ({record.dataset_items} items) · {record.duration_s:.1f} s"
)
st.subheader("Per field")
st.bar_chart(
    {"field": [f["field"] for f in view.fields], "f1": [f["f1"] or 0.0 for f in view.fields]},
    x="field",
    y="f1",
)
st.dataframe(view.fields, hide_index=True, width="stretch")

st.subheader("Items")
cols = st.columns(2)
fields = ["(all fields)", "decision", *(f["field"] for f in view.fields)]
picked = cols[0].selectbox("Field", fields, key="eval_field")
outcome = cols[1].radio("Show", ["all", "wrong", "right"], horizontal=True, key="eval_outcome")
rows = evaldata.item_rows(view, None if picked == fields[0] else picked, outcome)  # type: ignore[arg-type]
st.dataframe(rows, hide_index=True, width="stretch")
if not rows:
    st.stop()
item_id = st.selectbox("Open item", [r["item"] for r in rows], key="eval_item")
detail = evaldata.item_detail(view, item_id)
st.markdown(f"**Decision** {detail.decision_pred or '—'} (gold {detail.decision_gold or '—'})")
for reason in detail.reasons:
    st.markdown(f"- {reason}")
left, right = st.columns([3, 2])
with left:
    st.markdown("**Transcript** (secrets masked)")
    st.dataframe(
        [{"turn": t.index, "speaker": t.speaker, "text": t.text} for t in detail.transcript],
        hide_index=True,
        width="stretch",
    )
with right:
    st.markdown("**Gold vs predicted**")
    st.dataframe(
        [
            {"field": f.field, "gold": f.gold, "predicted": f.predicted, "right": f.right}
            for f in detail.fields
        ],
        hide_index=True,
        width="stretch",
    )
st.markdown("**Evidence quotes**")
st.dataframe(
    [{"field": f.field, "evidence": quote} for f in detail.fields for quote in f.evidence],
    hide_index=True,
    width="stretch",
)

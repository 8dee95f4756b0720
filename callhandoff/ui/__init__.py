"""The reviewer app (Streamlit): `callhandoff ui` runs `app.py`.

`app.py` lays out the navigation and the sidebar; `pages/` are thin scripts
that show what `callhandoff.review` (queue, item, actions, agreement) and
`callhandoff.ui.evaldata` (eval runs) compute; `state.py` holds the per-session
pieces (the service on the store, the reviewer's name, the queue filter,
messages carried to the next page).
"""

"""Per-session state of the reviewer app: the service on the store, who reviews, the filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

import streamlit as st

from callhandoff.review.service import ReviewService
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.review_queue import QueueFilter

REVIEWER = "reviewer"
REVIEWER_INPUT = "reviewer_input"
FILTER = "queue_filter"
FLASH = "flash"
QUEUE_PAGE = "pages/queue.py"
ITEM_PAGE = "pages/item.py"

Level = Literal["success", "error", "warning", "info"]


@st.cache_resource(show_spinner=False)
def _service(url: str, policy: str | None) -> ReviewService:
    settings = Settings(database_url=url, policy_path=policy)
    return ReviewService(open_store(url), settings)


def settings() -> Settings:
    """The settings of this run (environment and `.env`)."""
    return Settings()


def service() -> ReviewService:
    """The review service on the configured store (one per store and policy, shared)."""
    current = settings()
    policy = str(current.policy_path) if current.policy_path else None
    return _service(current.resolved_database_url, policy)


def reviewer() -> str:
    """The name set in the sidebar ("" until set)."""
    return " ".join(str(st.session_state.get(REVIEWER, "")).split())


def queue_filter() -> QueueFilter:
    """The queue filter last set on the queue page."""
    found = st.session_state.get(FILTER)
    return found if isinstance(found, QueueFilter) else QueueFilter()


def set_queue_filter(wanted: QueueFilter) -> None:
    """Remember the queue filter (the item page's "next" follows it)."""
    st.session_state[FILTER] = replace(wanted)


def flash(level: Level, text: str) -> None:
    """A message shown once, at the top of the next page rendered."""
    st.session_state[FLASH] = (level, text)


def show_flash() -> None:
    """Show (and forget) the pending message."""
    found = st.session_state.pop(FLASH, None)
    if not found:
        return
    level, text = found
    {"success": st.success, "error": st.error, "warning": st.warning, "info": st.info}[level](text)


def _keep_name() -> None:
    st.session_state[REVIEWER] = st.session_state.get(REVIEWER_INPUT, "")


def kept(key: str, default: object) -> Callable[[], None]:
    """Give the widget `key` its last value (widget state does not survive a page change);
    pass the returned callback as the widget's `on_change` so the value is remembered."""
    store = f"kept:{key}"
    st.session_state[key] = st.session_state.get(store, default)

    def remember() -> None:
        st.session_state[store] = st.session_state.get(key)

    return remember


def sidebar() -> None:
    """The reviewer's name (required for every action) and the store in use.

    Every page draws it; the name lives in its own session key, so it survives
    moving between pages (a widget's own state does not).
    """
    st.session_state[REVIEWER_INPUT] = st.session_state.get(REVIEWER, "")
    with st.sidebar:
        st.text_input(
            "Your name",
            key=REVIEWER_INPUT,
            on_change=_keep_name,
            placeholder="e.g. Dana from support",
            help="Recorded with every approve, edit and reject. Set it once per session.",
        )
        if not reviewer():
            st.caption("Set your name to claim calls and act on them.")
        st.caption(f"Store: {settings().store_label}")

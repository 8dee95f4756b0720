"""Small display helpers the pages share (no store access)."""

from __future__ import annotations

from datetime import datetime, timedelta


def waited(since: datetime, now: datetime) -> str:
    """How long ago, shortly: `45 s`, `12 min`, `3 h`, `2 d`."""
    seconds = max((now - since).total_seconds(), 0)
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def when(moment: datetime | None) -> str:
    """A timestamp as `2025-03-14 10:42 UTC`."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "—"


#: Age filter choices: label → (newer than, older than).
AGES: dict[str, tuple[timedelta | None, timedelta | None]] = {
    "any age": (None, None),
    "under 1 hour": (timedelta(hours=1), None),
    "under 1 day": (timedelta(days=1), None),
    "older than 1 day": (None, timedelta(days=1)),
    "older than 3 days": (None, timedelta(days=3)),
}

ANY = "(any)"


def confidence(value: float | None) -> str:
    """`0.87` or `—`."""
    return "—" if value is None else f"{value:.2f}"

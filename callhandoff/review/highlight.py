"""The transcript as HTML, turn by turn, with each field's evidence marked in its colour.

Pure string work (no Streamlit): a turn's text is cut where any evidence quote
starts or ends; each piece is escaped and wrapped in a `<mark>` carrying the
colour of the first field it belongs to and a tooltip naming every field. The
first mark of each field gets the anchor `ev-<field>` so the page can scroll
to it; the selected field's marks are outlined.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

#: One colour per field, in field order (light enough for dark text).
PALETTE: tuple[str, ...] = (
    "#ffe08a", "#a8e6cf", "#ffb3ba", "#bae1ff", "#d7baff", "#ffdfba", "#c9f2a6", "#f7c5e0",
    "#b5ead7", "#e2f0cb", "#ffd1dc", "#c7ceea", "#fdfd96", "#aee2ff", "#f3c4a1", "#d4f0f0",
    "#e6c9a8", "#cce2cb", "#f6eac2", "#d3c2f2", "#ffc8a2", "#b8e0d2", "#eac4d5", "#c1e1c1",
)  # fmt: skip


def color_of(position: int) -> str:
    """The colour of the field at `position` in the page's field list."""
    return PALETTE[position % len(PALETTE)]


@dataclass(frozen=True)
class Mark:
    """An evidence quote to mark in one turn."""

    key: str
    label: str
    color: str
    quote: str


def anchor(key: str) -> str:
    """The HTML id of a field's first evidence mark."""
    return "ev-" + re.sub(r"[^a-z0-9_-]+", "-", key.lower())


def _span(text: str, quote: str) -> tuple[int, int] | None:
    quote = quote.strip()
    if not quote:
        return None
    start = text.find(quote)
    if start < 0 and len(text.casefold()) == len(text):
        start = text.casefold().find(quote.casefold())
    return (start, start + len(quote)) if start >= 0 else None


def turn_html(
    text: str, marks: Sequence[Mark], *, selected: str | None = None, anchored: set[str]
) -> str:
    """One turn's text with its marks; `anchored` collects the fields given an anchor already."""
    spans = [(span, mark) for mark in marks if (span := _span(text, mark.quote)) is not None]
    if not spans:
        return html.escape(text)
    cuts = sorted({0, len(text), *(p for (start, end), _ in spans for p in (start, end))})
    pieces: list[str] = []
    for start, end in pairwise(cuts):
        inside = [mark for (s, e), mark in spans if s <= start and end <= e]
        piece = html.escape(text[start:end])
        if not inside:
            pieces.append(piece)
            continue
        first = inside[0]
        ident = ""
        if first.key not in anchored:
            anchored.add(first.key)
            ident = f' id="{anchor(first.key)}"'
        outline = (
            "outline:2px solid #d33;" if selected and any(m.key == selected for m in inside) else ""
        )
        title = html.escape(", ".join(dict.fromkeys(m.label for m in inside)), quote=True)
        pieces.append(
            f'<mark{ident} title="{title}" style="background:{first.color};{outline}'
            f'padding:0 1px;border-radius:3px">{piece}</mark>'
        )
    return "".join(pieces)

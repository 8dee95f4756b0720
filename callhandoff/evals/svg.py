"""Small inline-SVG charts for the HTML report: no JavaScript, no CDN, one string each.

Every function returns a complete `<svg>` element sized in CSS pixels, with all
text escaped, so the report is one self-contained file that opens offline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from callhandoff.evals.calibration import CalibrationBin

SERIES_COLOURS = ("#2f6fb3", "#e08a2c", "#4a9a5b", "#b4474f")
GRID = "#d9dde3"
INK = "#1f2933"
MUTED = "#6b7785"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" {extra}>'
        f"{escape(content)}</text>"
    )


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def empty_chart(title: str, message: str) -> str:
    """A placeholder with a sentence, when there is nothing to draw."""
    return _svg(420, 60, [_text(10, 35, message, fill=MUTED)], title)


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    maximum: float = 1.0,
) -> str:
    """Horizontal grouped bars, one group per label, one bar per series (None = no bar)."""
    if not labels:
        return empty_chart(title, "nothing to chart")
    left, right, top, bar, gap = 150, 60, 30, 9, 8
    plot = 360
    group = bar * len(series) + gap
    height = top + group * len(labels) + 30
    width = left + plot + right
    body: list[str] = []
    for step in range(5):
        x = left + plot * step / 4
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="{GRID}"/>'
        )
        body.append(_text(x, height - 10, f"{maximum * step / 4:g}", anchor="middle"))
    for index, (name, colour) in enumerate(zip(series, SERIES_COLOURS, strict=False)):
        x = left + index * 110
        body.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>')
        body.append(_text(x + 14, 15, name))
    for row, label in enumerate(labels):
        y0 = top + row * group
        body.append(_text(left - 6, y0 + group / 2, label, anchor="end"))
        for index, (values, colour) in enumerate(
            zip(series.values(), SERIES_COLOURS, strict=False)
        ):
            value = values[row]
            if value is None:
                continue
            length = plot * max(0.0, min(value, maximum)) / maximum
            y = y0 + index * bar
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar - 1}" '
                f'fill="{colour}"><title>{escape(label)}: {value:.3f}</title></rect>'
            )
            body.append(
                _text(left + length + 3, y + bar - 1, f"{value:.2f}", extra='font-size="9"')
            )
    return _svg(width, height, body, title)


def heatmap(
    rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]], *, title: str
) -> str:
    """A confusion matrix: rows are gold, columns predicted; shade = share of the row."""
    if not rows or not columns:
        return empty_chart(title, "nothing to chart")
    cell, left, top = 34, 150, 120
    width = left + cell * len(columns) + 20
    height = top + cell * len(rows) + 30
    body = [
        _text(left + cell * len(columns) / 2, 14, "predicted", anchor="middle"),
        _text(12, top - 8, "gold", fill=MUTED),
    ]
    for col, label in enumerate(columns):
        x = left + col * cell + cell / 2
        body.append(_text(x, top - 8, label, extra=f'transform="rotate(-50 {x:.1f} {top - 8})"'))
    for row, label in enumerate(rows):
        total = sum(counts[row]) or 1
        y = top + row * cell
        body.append(_text(left - 6, y + cell / 2 + 4, label, anchor="end"))
        for col, count in enumerate(counts[row]):
            share = count / total
            shade = f"rgba(47,111,179,{0.08 + 0.92 * share:.2f})" if count else "#f6f7f9"
            diagonal = columns[col] == label
            outline = f' stroke="{INK}" stroke-width="1.5"' if diagonal else f' stroke="{GRID}"'
            x = left + col * cell
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{shade}"'
                f"{outline}><title>gold {escape(label)} → {escape(columns[col])}: "
                f"{count}</title></rect>"
            )
            if count:
                colour = "#ffffff" if share > 0.55 else INK
                body.append(
                    f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" '
                    f'text-anchor="middle" fill="{colour}">{count}</text>'
                )
    return _svg(width, height, body, title)


def reliability_diagram(bins: Sequence[CalibrationBin], *, title: str) -> str:
    """Accuracy per confidence bin against the diagonal of perfect calibration."""
    if not any(b.count for b in bins):
        return empty_chart(title, "no predicted values with a confidence")
    size, left, top = 300, 50, 20
    body: list[str] = []
    for step in range(6):
        tick = step / 5
        x, y = left + size * tick, top + size * (1 - tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + size}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, f"{tick:.1f}", anchor="end"))
        body.append(_text(x, top + size + 16, f"{tick:.1f}", anchor="middle"))
    for b in bins:
        if not b.count or b.accuracy is None:
            continue
        x = left + size * b.lower
        w = size * (b.upper - b.lower)
        h = size * b.accuracy
        body.append(
            f'<rect x="{x + 1:.1f}" y="{top + size - h:.1f}" width="{w - 2:.1f}" '
            f'height="{h:.1f}" fill="{SERIES_COLOURS[0]}" fill-opacity="0.8">'
            f"<title>confidence {b.lower:.1f}-{b.upper:.1f}: accuracy {b.accuracy:.2f}"
            f" over {b.count} values</title></rect>"
        )
        body.append(
            _text(
                x + w / 2,
                top + size - h - 4,
                str(b.count),
                anchor="middle",
                fill=MUTED,
                extra='font-size="9"',
            )
        )
    body.append(
        f'<line x1="{left}" y1="{top + size}" x2="{left + size}" y2="{top}" '
        f'stroke="{SERIES_COLOURS[3]}" stroke-dasharray="5,4"/>'
    )
    body.append(_text(left + size / 2, top + size + 34, "confidence", anchor="middle"))
    body.append(
        _text(
            14,
            top + size / 2,
            "accuracy",
            anchor="middle",
            extra=f'transform="rotate(-90 14 {top + size / 2})"',
        )
    )
    return _svg(left + size + 20, top + size + 44, body, title)


def histogram(values: Sequence[float], *, title: str, unit: str, bins: int = 12) -> str:
    """Counts of values in equal-width bins from 0 to the maximum."""
    if not values or max(values) <= 0:
        return empty_chart(title, f"no {unit} recorded")
    top_value = max(values)
    width_each = top_value / bins
    counts = [0] * bins
    for value in values:
        counts[min(int(value / width_each), bins - 1)] += 1
    left, top, plot_w, plot_h = 50, 20, 360, 160
    peak = max(counts)
    body: list[str] = []
    for index, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + plot_w * index / bins
        body.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{plot_w / bins - 2:.1f}" height="{h:.1f}" fill="{SERIES_COLOURS[1]}">'
            f"<title>{index * width_each:.3g}-{(index + 1) * width_each:.3g} {escape(unit)}"
            f": {count}</title></rect>"
        )
        if count:
            body.append(
                _text(
                    x + plot_w / bins / 2,
                    top + plot_h - h - 3,
                    str(count),
                    anchor="middle",
                    extra='font-size="9"',
                )
            )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}" stroke="{INK}"/>'
    )
    for step in range(5):
        x = left + plot_w * step / 4
        body.append(_text(x, top + plot_h + 14, _tick(top_value * step / 4), anchor="middle"))
    body.append(_text(left + plot_w / 2, top + plot_h + 30, unit, anchor="middle"))
    return _svg(left + plot_w + 50, top + plot_h + 40, body, title)


def _tick(value: float) -> str:
    if value == 0:
        return "0"
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}"

"""What every eval HTML page shares: the style sheet, tables, the page shell, the item filter.

Pages are single self-contained files: inline CSS, inline SVG, a few lines of
inline JavaScript for the filters, and no reference to anything on a network
(no CDN, no fonts, no images), so they open offline from a CI artefact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;
padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9dde3}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem}
th,td{border:1px solid #d9dde3;padding:.25rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#f3f5f8}
td.text{text-align:left}tr.wrong td{background:#fdecec}tr.changed td{background:#fff6dc}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.note{color:#6b7785;font-size:.85rem}
.verdict{font-size:1.05rem;font-weight:600;padding:.5rem .75rem;border:1px solid #d9dde3}
.filter{margin:.5rem 0;padding:.5rem;background:#f3f5f8}
details.item{border:1px solid #d9dde3;margin:.4rem 0;padding:.3rem .6rem}
details.item summary{cursor:pointer;font-weight:600}
details.item table{width:100%}details.item td.text{word-break:break-word}
.cols{display:flex;flex-wrap:wrap;gap:1rem}.cols>div{flex:1 1 420px;min-width:0}
ol.turns{font-size:.85rem;padding-left:2.5rem;border-left:3px solid #d9dde3}
ol.turns li{margin:.15rem 0}
"""

# Shows only the <details class="item"> whose data-tags contain the chosen tag.
FILTER_SCRIPT = """
(function(){
  var pick=document.getElementById('item-filter');
  if(!pick){return;}
  function apply(){
    var want=pick.value,shown=0;
    document.querySelectorAll('details.item').forEach(function(d){
      var tags=(d.getAttribute('data-tags')||'').split(' ');
      var show=!want||tags.indexOf(want)>=0;
      d.style.display=show?'':'none';
      if(show){shown+=1;}
    });
    document.getElementById('item-count').textContent=shown+' shown';
  }
  pick.addEventListener('change',apply);
  apply();
})();
"""


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    row_classes: Sequence[str] | None = None,
    text_columns: Sequence[int] = (),
) -> str:
    """An escaped HTML table; `row_classes` per row, `text_columns` left-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        css = f' class="{row_classes[index]}"' if row_classes and row_classes[index] else ""
        cells = "".join(
            f'<td class="text">{escape(cell)}</td>' if column in text_columns
            else f"<td>{escape(cell)}</td>"
            for column, cell in enumerate(row)
        )  # fmt: skip
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def filter_box(label: str, counts: Mapping[str, int], total: int) -> str:
    """A <select> over tags (with counts) that filters the items below it."""
    options = [f'<option value="">all ({total})</option>']
    options += [
        f'<option value="{escape(tag)}">{escape(tag)} ({count})</option>'
        for tag, count in counts.items()
    ]
    return (
        f'<div class="filter"><label>{escape(label)} <select id="item-filter">'
        f'{"".join(options)}</select></label> <span id="item-count"></span></div>'
    )


def page(title: str, body: str, *, script: bool = False) -> str:
    """A whole HTML document; with `script`, the inline item filter."""
    tail = f"<script>{FILTER_SCRIPT}</script>" if script else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1>{body}"
        f'<p class="note">Metric definitions: docs/evals.md.</p>{tail}</body></html>'
    )

"""Reports: the terminal tables show the figures; the HTML file stands alone with its charts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree import ElementTree

from rich.console import Console

from callhandoff.evals.compare_report import comparison_report
from callhandoff.evals.html_report import render_html, write_html
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.report import print_group, run_report
from callhandoff.evals.runs import RunRecord

from .test_compare import run_a, run_b
from .test_metrics import five_calls


def record() -> RunRecord:
    _, metrics = score_runs(five_calls())
    return RunRecord(
        run_id="20250314-100000-abcd",
        created_at=dt.datetime(2025, 3, 14, 10, tzinfo=dt.UTC),
        label="<b>label</b>",
        dataset_path="evals/datasets/dev.jsonl",
        dataset_version="ab" * 32,
        dataset_items=5,
        backend="fake",
        settings={},
        metrics=metrics,
    )


def rendered(group: object) -> str:
    console = Console(record=True, width=220)
    print_group(console, group)  # type: ignore[arg-type]
    return console.export_text()


def test_the_terminal_report_shows_headline_field_and_confusion_tables() -> None:
    text = rendered(run_report(record()))
    assert "intent accuracy" in text and "0.600" in text
    assert "decision cost-weighted error" in text and "2.200" in text
    assert "order_id" in text and "0.333" in text
    assert "Intent confusion" in text
    assert "Decision confusion" in text


def test_the_html_report_is_self_contained_with_four_kinds_of_chart(tmp_path: Path) -> None:
    path = write_html(record(), tmp_path / "reports" / "run.html")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html.lower()  # no items to filter: no script at all
    assert re.findall(r"(?:src|href)=", html) == []
    urls = set(re.findall(r"https?://[^\"' )]+", html))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace, not a download
    titles = (
        "Per-field exact match and F1",
        "Intent confusion (rows: gold)",
        "Reliability diagram (all fields)",
        "Latency per item",
        "Cost per item",
    )
    for title in titles:
        assert f"<title>{title}</title>" in html
    assert html.count("<svg") >= 6


def test_every_chart_is_well_formed_svg() -> None:
    charts = re.findall(r"<svg.*?</svg>", render_html(record()), re.S)
    assert len(charts) >= 6
    for chart in charts:
        root = ElementTree.fromstring(chart)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_html_escapes_what_came_from_the_data() -> None:
    html = render_html(record())
    assert "<b>label</b>" not in html
    assert "&lt;b&gt;label&lt;/b&gt;" in html


def test_the_comparison_lists_changes_side_by_side() -> None:
    from callhandoff.evals.compare import compare_runs

    text = rendered(comparison_report(compare_runs("A", run_a(), "B", run_b())))
    assert "Right in A, wrong in B: 3 changes" in text
    assert "Wrong in A, right in B: 1 change" in text
    assert "cancel_order" in text
    assert text.startswith("Verdict: ")

"""Terminal rendering of a comparison: the verdict line, the configuration diff, the tests, the
changed items. Every judgement is written out in words (better / worse / noise), so a CI
log without colour reads the same; run ids are never cut, whatever the terminal width.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from callhandoff.evals.changes import CHANGE_KINDS, CHANGE_TITLES, ChangeKind
from callhandoff.evals.compare import Comparison
from callhandoff.evals.report import NONE, compact_table, fmt_value
from callhandoff.evals.verdict import MetricTest

_OUTCOME_STYLE = {"better": "green", "worse": "red"}
_OUTCOME_WORD = {"unchanged": "same", "not measured": "n/a"}


def fmt_delta(metric: str, value: float | None) -> str:
    """A signed delta with the precision its unit needs."""
    return NONE if value is None else "+" * (value >= 0) + fmt_value(metric, value)


def fmt_interval(test: MetricTest) -> str:
    """`[-0.029, +0.201]`, or what else bounds the noise (latency: the repeats' spread)."""
    if test.low is not None and test.high is not None:
        return f"[{fmt_delta(test.metric, test.low)}, {fmt_delta(test.metric, test.high)}]"
    if test.noise_band is not None:
        return f"±{test.noise_band:.1f} ms"
    if test.metric.startswith("latency.") and test.outcome == "noise":
        return "no repeats"
    return NONE


def fmt_cost(value: float | None) -> str:
    """A decision-cost effect, signed."""
    return NONE if value is None else f"{value:+.1f}"


def verdict_text(comparison: Comparison) -> Text:
    """The verdict line, plain text (no markup, no colour needed to read it)."""
    return Text(comparison.verdict.line)


def header_text(comparison: Comparison) -> Text:
    """Which runs, how many items, how the intervals were made."""
    lines = [
        f"A = {comparison.run_a}",
        f"B = {comparison.run_b}",
        f"{comparison.items_compared} items compared; 95% intervals from a paired bootstrap "
        f"({comparison.resamples} resamples, seed {comparison.seed}); p = exact McNemar test",
    ]
    if not comparison.same_dataset:
        lines.append("warning: the runs used different dataset versions; only shared items count")
    if comparison.only_in_a or comparison.only_in_b:
        lines.append(
            f"only in A: {len(comparison.only_in_a)} items; only in B: {len(comparison.only_in_b)}"
        )
    return Text("\n".join(lines))


def config_table(comparison: Comparison) -> Table:
    """The two runs' configuration, with the settings that differ marked."""
    table = compact_table("Configuration")
    table.add_column("setting", no_wrap=True)
    table.add_column("A", overflow="fold")
    table.add_column("B", overflow="fold")
    table.add_column("", no_wrap=True)
    for row in comparison.config:
        table.add_row(row.setting, row.a, row.b, "changed" if row.differs else "")
    return table


def _outcome_cell(test: MetricTest) -> Text:
    word = _OUTCOME_WORD.get(test.outcome, test.outcome)
    return Text(word, style=_OUTCOME_STYLE.get(test.outcome, ""))


def tests_table(title: str, tests: list[MetricTest]) -> Table:
    """Metric, A, B, B - A, its 95 % interval, McNemar p and the outcome."""
    table = compact_table(title)
    table.add_column("metric", overflow="fold", min_width=14)
    for name in ("A", "B", "B - A", "95% CI", "p", "result"):
        table.add_column(name, justify="right" if name != "result" else "left", no_wrap=True)
    for test in tests:
        table.add_row(
            test.metric,
            fmt_value(test.metric, test.a),
            fmt_value(test.metric, test.b),
            fmt_delta(test.metric, test.delta),
            fmt_interval(test),
            NONE if test.p_value is None else f"{test.p_value:.3f}",
            _outcome_cell(test),
        )
    return table


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def overview_lines(comparison: Comparison) -> list[str]:
    """One line per kind of change with its decision-cost effect, then the total."""
    lines = [
        f"{CHANGE_TITLES[s.kind]}: {_count(s.changes, 'field change')} on "
        f"{_count(s.items, 'item')}, {_count(s.decisions, 'decision')} (cost "
        f"{fmt_cost(s.cost_delta)})"
        for s in comparison.change_summary
    ]
    total = sum(s.cost_delta for s in comparison.change_summary)
    if comparison.items_compared:
        lines.append(
            f"Decision cost change {fmt_cost(total)} over {comparison.items_compared} items = "
            f"{total / comparison.items_compared:+.3f} cost-weighted error"
        )
    return lines


def changes_overview(comparison: Comparison) -> Text:
    """The overview lines as one block of text."""
    return Text("\n".join(overview_lines(comparison)))


def changes_table(comparison: Comparison, kind: ChangeKind, limit: int) -> Table:
    """The changes of one kind: item, field, gold, A, B and the item's decision-cost change."""
    rows = comparison.changed(kind)
    title = f"{CHANGE_TITLES[kind]}: {len(rows)} change{'' if len(rows) == 1 else 's'}"
    table = compact_table(title)
    table.min_width = len(title)
    table.add_column("item", no_wrap=True)
    table.add_column("field", overflow="fold")
    for name in ("gold", "A", "B"):
        table.add_column(name, overflow="fold")
    table.add_column("cost", justify="right", no_wrap=True)
    for change in rows[:limit]:
        table.add_row(change.item_id, change.field, change.gold, change.a, change.b,
                      fmt_cost(change.cost_delta))  # fmt: skip
    if len(rows) > limit:
        table.add_row(f"... {len(rows) - limit} more", "", "", "", "", "")
    return table


def comparison_report(comparison: Comparison, limit: int = 50) -> Group:
    """Everything `callhandoff eval compare` prints, verdict first."""
    parts: list[RenderableType] = [verdict_text(comparison), header_text(comparison)]
    if comparison.config:
        parts.append(config_table(comparison))
    parts.append(tests_table("Headline metrics (B - A)", comparison.headline))
    if comparison.moved_fields:
        parts.append(tests_table("Per-field metrics that changed", comparison.moved_fields))
    parts.append(changes_overview(comparison))
    parts.extend(changes_table(comparison, kind, limit) for kind in CHANGE_KINDS)
    return Group(*parts)

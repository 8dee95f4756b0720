"""Terminal tables (rich) for a run, a comparison of two runs and a gate verdict."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from callhandoff.evals.breakdown import Breakdown
from callhandoff.evals.gate import Check, GateResult
from callhandoff.evals.metric_models import RunMetrics
from callhandoff.evals.provenance import config_rows, subset_text
from callhandoff.evals.runs import RunRecord
from callhandoff.evals.scoring import ItemScore
from callhandoff.schema.enums import DecisionKind, Intent

NONE = "—"


def fmt_value(metric: str, value: float | None) -> str:
    """A metric value with the precision its unit needs."""
    if value is None:
        return NONE
    if metric.startswith(("latency.", "tokens.")) or metric in ("items", "summary.words_mean"):
        return f"{value:.1f}" if metric != "items" else f"{value:.0f}"
    if metric.startswith("cost."):
        return f"{value:.4f}"
    return f"{value:.3f}"


def fmt(value: float | None, digits: int = 3) -> str:
    """A metric for a table: fixed decimals, an em dash when not measured."""
    return NONE if value is None else f"{value:.{digits}f}"


def fmt_signed(value: float | None, digits: int = 3) -> str:
    """A delta with its sign."""
    return NONE if value is None else f"{value:+.{digits}f}"


def compact_table(title: str) -> Table:
    """A table whose columns are one space apart, so seven columns fit 80 characters."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 0))


def ordered_labels(seen: Iterable[str], order: Sequence[str]) -> list[str]:
    """Labels in the vocabulary's order, unknown ones (e.g. `none`) after."""
    present = set(seen)
    known = [label for label in order if label in present]
    return known + sorted(present - set(order))


def headline_rows(metrics: RunMetrics) -> list[tuple[str, str]]:
    """The figures a prompt engineer reads first, as (name, value) rows."""
    usage, decision = metrics.usage, metrics.decision
    decision_note = "" if decision.decided else " (no decisions: run without a router)"
    return [
        ("items scored", str(metrics.items)),
        ("intent accuracy", fmt(metrics.intent.accuracy)),
        ("intent macro-F1", fmt(metrics.intent.macro_f1)),
        ("risk flags micro-F1", fmt(metrics.risk_flags.micro.f1)),
        ("risk flags macro-F1", fmt(metrics.risk_flags.macro_f1)),
        ("decision accuracy", fmt(decision.accuracy) + decision_note),
        ("decision cost-weighted error", fmt(decision.cost_error)),
        ("grounding violations / item", fmt(metrics.grounding.violations_per_item)),
        ("grounding violation rate", fmt(metrics.grounding.violation_rate)),
        ("calibration ECE (all fields)", fmt(metrics.calibration.ece)),
        ("tokens / item", fmt(usage.tokens_per_item, 1)),
        ("cost / item (USD)", fmt(usage.cost_usd_per_item, 5)),
        ("cost total (USD)", fmt(usage.cost_usd_total, 4)),
        (
            "cost spent / replayed (USD)",
            f"{fmt(usage.cost_usd_spent, 4)} / {fmt(usage.cost_usd_replayed, 4)}",
        ),
        (
            "latency p50 / p95 (ms)",
            f"{fmt(usage.latency_p50_ms, 1)} / {fmt(usage.latency_p95_ms, 1)}",
        ),
        ("answered from cache", fmt(usage.cached_rate)),
        ("fallback rate", fmt(usage.fallback_rate)),
        ("summary: required facts named", fmt(metrics.summary.facts_recall)),
        ("summary: invented values / item", fmt(metrics.summary.invented_per_item)),
        ("summary: words (mean)", fmt(metrics.summary.words_mean, 1)),
    ]


def run_rows(record: RunRecord) -> list[tuple[str, str]]:
    """How the run was made, as (name, value) rows."""
    return [
        ("run id", record.run_id),
        ("created", record.created_at.isoformat(timespec="seconds")),
        ("label", record.label or NONE),
        *config_rows(record),
        ("repeats", str(record.repeats)),
        ("duration", f"{record.duration_s:.1f} s"),
    ]


def run_table(record: RunRecord) -> Table:
    """How the run was made."""
    title = f"Eval run {escape(record.run_id)}"
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in run_rows(record):
        table.add_row(name, escape(value))
    return table


def headline_table(metrics: RunMetrics) -> Table:
    """Headline metrics, one per row."""
    table = Table(title="Headline metrics", title_justify="left")
    table.add_column("metric", style="cyan")
    table.add_column("value", justify="right")
    for name, value in headline_rows(metrics):
        table.add_row(name, value)
    return table


def field_table(metrics: RunMetrics) -> Table:
    """Per-field exact match, P/R/F1, support, ECE (and agreement with repeats)."""
    title = "Per field (support: items with a gold value"
    if metrics.agreement is not None:
        title += f"; agree: same in all {metrics.agreement.repeats} repeats"
    table = compact_table(title + ")")
    table.min_width = len(title) + 1
    for name in ("field", "type", "support", "predicted", "EM", "P", "R", "F1", "ECE"):
        table.add_column(name, justify="left" if name in ("field", "type") else "right",
                         no_wrap=True)  # fmt: skip
    if metrics.agreement is not None:
        table.add_column("agree", justify="right", no_wrap=True)
    for field in metrics.fields.values():
        row = [
            field.name,
            field.kind,
            str(field.support),
            str(field.predicted),
            fmt(field.exact_match),
            fmt(field.precision),
            fmt(field.recall),
            fmt(field.f1),
            fmt(field.ece),
        ]
        if metrics.agreement is not None:
            row.append(fmt(field.agreement))
        table.add_row(*row)
    return table


def confusion_table(
    title: str, confusion: dict[str, dict[str, int]], order: Sequence[str]
) -> Table:
    """Gold (rows) x predicted (columns) counts, diagonal in bold green.

    With many labels the columns are numbered (row `3 refund` is column `3`) so the
    table fits a terminal; labels only ever predicted are named in the caption.
    """
    rows = ordered_labels(confusion, order)
    columns = ordered_labels({p for row in confusion.values() for p in row} | set(rows), order)
    numbered = len(columns) > 6
    number = {label: str(index) for index, label in enumerate(columns, start=1)}
    only_predicted = [f"{number[c]} = {c}" for c in columns if c not in rows]
    caption = "columns: " + ", ".join(only_predicted) if numbered and only_predicted else None
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    table.add_column("gold \\ predicted", style="cyan")
    for column in columns:
        table.add_column(number[column] if numbered else column, justify="right")
    for gold in rows:
        cells = []
        for column in columns:
            count = confusion[gold].get(column, 0)
            text = str(count) if count else "."
            cells.append(f"[bold green]{text}[/]" if column == gold and count else text)
        table.add_row(f"{number[gold]} {gold}" if numbered else gold, *cells)
    return table


def risk_table(metrics: RunMetrics) -> Table:
    """Per risk flag precision, recall, F1 and support."""
    table = Table(title="Risk flags", title_justify="left")
    for name in ("flag", "support", "predicted", "P", "R", "F1"):
        table.add_column(name, justify="left" if name == "flag" else "right")
    for row in metrics.risk_flags.per_label:
        table.add_row(
            row.label, str(row.support), str(row.predicted),
            fmt(row.precision), fmt(row.recall), fmt(row.f1),
        )  # fmt: skip
    return table


def usage_table(metrics: RunMetrics) -> Table:
    """Prompt and completion tokens, cost and latency of every item (first repeat)."""
    table = Table(title="Usage per item", title_justify="left")
    for name in ("item", "prompt tokens", "completion tokens", "USD", "latency ms", "replayed"):
        table.add_column(name, justify="left" if name == "item" else "right")
    for item in metrics.usage.per_item:
        table.add_row(
            item.item_id,
            str(item.prompt_tokens),
            str(item.completion_tokens),
            fmt(item.cost_usd, 5),
            fmt(item.latency_ms, 0),
            "yes" if item.replayed else "",
        )
    return table


def breakdown_table(result: Breakdown) -> Table:
    """Every metric per group (e.g. origin) and for the whole run."""
    table = compact_table(f"By {result.by}")
    table.add_column("metric", overflow="fold")
    for column in result.columns:
        table.add_column(column, justify="right", no_wrap=True)
    for name, values in result.rows():
        table.add_row(name, *(fmt_value(name, value) for value in values))
    return table


def list_table(records: Sequence[RunRecord]) -> Table:
    """Stored runs with what they ran with and their headline figures; ids never cut.

    The run id is the UTC time the run started (`YYYYMMDD-HHMMSS-xxxx`).
    """
    table = compact_table("Eval runs, newest first (run id = UTC start time)")
    table.add_column("run", no_wrap=True, min_width=20)
    table.add_column("label / setup", overflow="fold", ratio=1)
    for name in ("items", "intent", "dec.", "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in records:
        rows = dict(config_rows(r))
        setup = [r.label or "", f"{rows['backend']} / {rows['model']}"]
        setup += [f"{name} {rows[name]}" for name in ("prompt", "policy", "classifier")
                  if rows[name] != NONE]  # fmt: skip
        setup.append(f"data {r.dataset_version[:8]}, {subset_text(r)}")
        m = r.metrics
        table.add_row(escape(r.run_id), escape("\n".join(line for line in setup if line)),
                      str(m.items),
                      fmt(m.intent.accuracy), fmt(m.decision.accuracy),
                      fmt(m.decision.cost_error))  # fmt: skip
    return table


def run_report(record: RunRecord, breakdown: Breakdown | None = None) -> Group:
    """Everything `callhandoff eval report` prints for one run."""
    metrics = record.metrics
    parts: list[Table] = [run_table(record), headline_table(metrics), field_table(metrics)]
    if breakdown is not None:
        parts.append(breakdown_table(breakdown))
    parts.append(
        confusion_table("Intent confusion", metrics.intent.confusion, [i.value for i in Intent])
    )
    parts.append(risk_table(metrics))
    if metrics.usage.per_item and metrics.usage.tokens_per_item:
        parts.append(usage_table(metrics))
    if metrics.decision.confusion:
        parts.append(
            confusion_table(
                "Decision confusion", metrics.decision.confusion, [d.value for d in DecisionKind]
            )
        )
    return Group(*parts)


def item_table(item_id: str, a: ItemScore, b: ItemScore, run_a: str, run_b: str) -> Table:
    """One item's scored fields in both runs, side by side; rows that differ are marked."""
    title = f"Item {escape(item_id)}: A = {escape(run_a)}, B = {escape(run_b)}"
    table = Table(title=title, title_justify="left")
    for name in ("field", "gold", "A", "B", ""):
        table.add_column(name, overflow="fold")
    rows = [
        (name, a.fields[name].gold, a.fields[name].pred, b.fields[name].pred) for name in a.fields
    ]
    for name, gold, pred_a, pred_b in rows:
        if not (gold or pred_a or pred_b):
            continue
        mark = "" if pred_a == pred_b else "[yellow]differs[/]"
        table.add_row(name, escape(", ".join(gold) or NONE), escape(", ".join(pred_a) or NONE),
                      escape(", ".join(pred_b) or NONE), mark)  # fmt: skip
    table.add_row(
        "decision", a.decision_gold or NONE, a.decision_pred or NONE, b.decision_pred or NONE,
        "" if a.decision_pred == b.decision_pred else "[yellow]differs[/]",
    )  # fmt: skip
    return table


def _checks_table(title: str, checks: Sequence[Check], relative: bool) -> Table:
    table = compact_table(title)
    table.add_column("metric", overflow="fold")
    names = ("value", "bound", "baseline", "result") if relative else ("value", "bound", "result")
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    for check in checks:
        op = ">=" if check.bound == "min" else "<="
        status = "[green]ok[/]" if check.passed else "[red]FAIL[/]"
        value = fmt(check.value, 4) if check.value is not None else "not measured"
        cells = [check.metric, value, f"{op} {check.threshold:.4g}"]
        if relative:
            cells.append(fmt(check.baseline, 4))
        table.add_row(*cells, status)
    return table


def gate_table(result: GateResult, run_id: str, baseline: str | None = None) -> Group:
    """Every check with its value, bound and verdict; the baseline checks in a second table."""
    verdict = "PASS" if result.passed else "FAIL"
    absolute = [check for check in result.checks if not check.relative]
    tables = [_checks_table(f"Gate on {run_id}: {verdict}", absolute, relative=False)]
    relative = [check for check in result.checks if check.relative]
    if baseline is not None:
        drop = relative[0].max_drop if relative else 0.0
        title = f"Against baseline {baseline}, max drop {drop:g}"
        tables.append(_checks_table(title, relative, relative=True))
    return Group(*tables)


def print_group(console: Console, group: Group) -> None:
    """Print a group of tables with a blank line between them."""
    for renderable in group.renderables:
        console.print(renderable)
        console.print()

"""What `callhandoff process` tells the user: a running tally and the end-of-run tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callhandoff.readers import estimated_records, list_transcript_files
from callhandoff.schema.result import CallResult, Rejected

DECISIONS_SHOWN = 20
REJECTS_SHOWN = 10


def estimate_records(paths: list[str], recursive: bool) -> int | None:
    """A cheap count of the calls in `paths` (`readers.estimated_records`); None for stdin."""
    total = 0
    for raw in paths:
        if raw == "-":
            return None
        path = Path(raw)
        files = list_transcript_files(path, recursive=recursive) if path.is_dir() else [path]
        total += sum(estimated_records(file) for file in files if file.is_file())
    return total


@dataclass
class Tally:
    """Counts kept while the batch streams by; only the first few calls and rejects are kept."""

    written: int = 0
    rejected: int = 0
    pending: int = 0
    pending_reason: str | None = None
    by_intent: Counter[str] = field(default_factory=Counter)
    by_urgency: Counter[str] = field(default_factory=Counter)
    by_decision: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    first_decided: list[CallResult] = field(default_factory=list)
    first_rejects: list[Rejected] = field(default_factory=list)

    def add_pending(self, item: CallResult) -> None:
        """Count a call the run's budget left for the next run."""
        self.pending += 1
        self.pending_reason = self.pending_reason or item.handoff.meta.fallback_reason

    def add(self, item: CallResult | Rejected) -> None:
        """Count one output of the pipeline."""
        if isinstance(item, Rejected):
            self.rejected += 1
            if len(self.first_rejects) < REJECTS_SHOWN:
                self.first_rejects.append(item)
            return
        self.written += 1
        handoff = item.handoff
        self.by_intent[handoff.request.intent.value if handoff.request.intent else "none"] += 1
        self.by_urgency[handoff.urgency.value if handoff.urgency else "none"] += 1
        if item.decision is not None:
            self.by_decision[item.decision.kind.value] += 1
            self.by_reason.update(reason.code for reason in item.decision.reasons)
            if len(self.first_decided) < DECISIONS_SHOWN:
                self.first_decided.append(item)


def _counts(title: str, column: str, counts: Counter[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(column, style="cyan")
    table.add_column("calls", justify="right")
    for key, count in counts.most_common():
        table.add_row(escape(key), str(count))
    return table


def _decisions(tally: Tally) -> Table:
    shown = len(tally.first_decided)
    more = f" (first {shown} of {tally.written})" if tally.written > shown else ""
    table = Table(title=f"Decisions{more}", title_justify="left")
    codes = [r.code for item in tally.first_decided if item.decision for r in item.decision.reasons]
    table.add_column("call", overflow="fold")
    table.add_column("decision", no_wrap=True)
    # one reason code per line, never broken inside a code
    table.add_column("reasons", no_wrap=True, min_width=max(map(len, codes), default=7))
    table.add_column("action", no_wrap=True)
    for item in tally.first_decided:
        assert item.decision is not None
        table.add_row(
            escape(item.call_id),
            item.decision.kind.value,
            "\n".join(escape(reason.code) for reason in item.decision.reasons),
            escape(item.action.action) if item.action else "",
        )
    return table


def print_report(console: Console, tally: Tally, out: str, rejects_path: Path) -> None:
    """The end-of-run tables, then where the handoffs and the rejects went."""
    if tally.first_decided:
        console.print(_decisions(tally))
    console.print(_counts("Handoffs by intent", "intent", tally.by_intent))
    console.print(_counts("Handoffs by urgency", "urgency", tally.by_urgency))
    if tally.by_decision:
        console.print(_counts("Handoffs by decision", "decision", tally.by_decision))
        console.print(_counts("Decision reasons", "reason", tally.by_reason))
    where = out if out == "-" else str(Path(out).resolve())
    noun = "handoff" if tally.written == 1 else "handoffs"
    console.print(f"[bold]{tally.written}[/] {noun} written to {escape(where)}", soft_wrap=True)
    if tally.pending:
        console.print(
            f"[bold yellow]{tally.pending}[/] calls left pending, not failed: "
            f"{escape(tally.pending_reason or 'the run budget was reached')}. Run the same "
            "command again to continue; the calls already done come from the cache.",
            highlight=False,
            soft_wrap=True,
        )
    if not tally.rejected:
        console.print("0 inputs rejected")
        return
    kept = escape(str(rejects_path.resolve()))
    noun = "input" if tally.rejected == 1 else "inputs"
    console.print(f"[bold red]{tally.rejected}[/] {noun} rejected, kept in {kept}:", soft_wrap=True)
    for reject in tally.first_rejects:
        console.print(
            "  " + reject.message(), style="red", markup=False, highlight=False, soft_wrap=True
        )
    if tally.rejected > len(tally.first_rejects):
        console.print(f"  ... and {tally.rejected - len(tally.first_rejects)} more")

"""Regenerate the label-count tables of evals/DATASET_CARD.md from the assembled datasets.

    python scripts/card_counts.py [--card evals/DATASET_CARD.md] [--check]

Reads evals/datasets/dev.jsonl and train.jsonl and rewrites everything between the
`<!-- counts:start -->` and `<!-- counts:end -->` markers of the card: per-label counts
of the hand-written calls (dev / train / total) and of the CuCoM conversations, and the
split sizes by origin. `scripts/build_datasets.py` runs it after writing the datasets, so
the card always describes the files it ships with. `--check` exits 1 when the card is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.schema.enums import (
    ChangeKind,
    DecisionKind,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
    Workflow,
)

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- counts:start -->", "<!-- counts:end -->"
NONE = "(none)"

Labels = Callable[[GoldItem], Iterable[str]]


def _one(value: object) -> list[str]:
    return [NONE if value is None else str(getattr(value, "value", value))]


def _gold(read: Callable[[GoldLabels], object]) -> Labels:
    return lambda item: _one(read(item.gold))


FIELDS: list[tuple[str, list[str], Labels]] = [
    ("intent", [i.value for i in Intent], _gold(lambda g: g.intent)),
    (
        "secondary_intent",
        [i.value for i in Intent],
        lambda item: [i.value for i in item.gold.secondary_intents],
    ),
    ("change_kind", [NONE, *(c.value for c in ChangeKind)], _gold(lambda g: g.change_kind)),
    (
        "inquiry_topic",
        [NONE, *(t.value for t in InquiryTopic)],
        _gold(lambda g: g.inquiry_topic),
    ),
    (
        "return_reason",
        [*(r.value for r in ReturnReason), NONE],
        _gold(lambda g: g.return_reason),
    ),
    (
        "refund_expectation",
        [*(r.value for r in RefundExpectation), NONE],
        _gold(lambda g: g.refund_expectation),
    ),
    (
        "risk_flag",
        [*(f.value for f in RiskFlag), NONE],
        lambda item: [f.value for f in item.gold.risk_flags] or [NONE],
    ),
    ("urgency", [u.value for u in Urgency], _gold(lambda g: g.urgency)),
    ("sentiment", [s.value for s in Sentiment], _gold(lambda g: g.sentiment)),
    ("workflow", [*(w.value for w in Workflow), NONE], _gold(lambda g: g.workflow)),
    ("decision", [*(d.value for d in DecisionKind), NONE], _gold(lambda g: g.decision)),
    ("destination", ["cloudcart", "cults"], lambda item: [item.transcript.destination.value]),
]


def _count(items: list[GoldItem], labels: Labels) -> Counter[str]:
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(labels(item))
    return counts


def _table(name: str, order: list[str], dev: Counter[str], train: Counter[str]) -> str:
    rows = [f"| {name} | dev | train | total |", "|---|---:|---:|---:|"]
    for label in order:
        if dev[label] or train[label]:
            total = dev[label] + train[label]
            rows.append(f"| `{label}` | {dev[label]} | {train[label]} | {total} |")
    return "\n".join(rows)


def _top(counts: Counter[str]) -> str:
    return ", ".join(f"{label} {n}" for label, n in counts.most_common())


def render(dev: list[GoldItem], train: list[GoldItem]) -> str:
    def origin(items: list[GoldItem], name: str) -> list[GoldItem]:
        return [item for item in items if item.origin == name]

    sizes = Counter((item.split, item.origin) for item in [*dev, *train])
    lines = [
        "| split | hand-written | CuCoM | ABCD | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for split, items in (("dev", dev), ("train", train)):
        counts = [sizes[(split, o)] for o in ("handwritten", "cucom", "abcd")]
        lines.append(f"| {split} | " + " | ".join(map(str, counts)) + f" | {len(items)} |")
    parts = ["\n".join(lines), "Hand-written calls:"]
    hw_dev, hw_train = origin(dev, "handwritten"), origin(train, "handwritten")
    for name, order, labels in FIELDS:
        parts.append(_table(name, order, _count(hw_dev, labels), _count(hw_train, labels)))
    cu_dev, cu_train = origin(dev, "cucom"), origin(train, "cucom")
    rows = [
        f"| | train ({len(cu_train)}) | dev ({len(cu_dev)}) |",
        "|---|---|---|",
    ]
    for name, _, labels in FIELDS:
        if name in ("intent", "return_reason", "risk_flag", "urgency", "sentiment"):
            train_counts, dev_counts = _count(cu_train, labels), _count(cu_dev, labels)
            rows.append(f"| {name} | {_top(train_counts)} | {_top(dev_counts)} |")
    parts += ["CuCoM conversations:", "\n".join(rows)]
    return "\n\n".join(parts)


def load(path: Path) -> list[GoldItem]:
    return [
        GoldItem.model_validate_json(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def update(card: Path, datasets: Path) -> bool:
    """Rewrite the card's count tables; True when the file changed."""
    text = card.read_text(encoding="utf-8")
    if START not in text or END not in text:
        sys.exit(f"{card}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    tables = render(load(datasets / "dev.jsonl"), load(datasets / "train.jsonl"))
    new = f"{head}{START}\n\n{tables}\n\n{END}{tail}"
    if new == text:
        return False
    card.write_text(new, encoding="utf-8")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--card", type=Path, default=ROOT / "evals/DATASET_CARD.md")
    parser.add_argument("--datasets", type=Path, default=ROOT / "evals/datasets")
    parser.add_argument("--check", action="store_true", help="Exit 1 if the card is stale.")
    args = parser.parse_args()
    if args.check:
        original = args.card.read_text(encoding="utf-8")
        changed = update(args.card, args.datasets)
        if changed:
            args.card.write_text(original, encoding="utf-8")
            sys.exit(f"{args.card}: counts are stale; run scripts/build_datasets.py")
        return
    print(f"{args.card}: {'updated' if update(args.card, args.datasets) else 'already current'}")


if __name__ == "__main__":
    main()

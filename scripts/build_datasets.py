"""Assemble the versioned gold datasets from their sources.

    python scripts/build_datasets.py

Reads the hand-written gold files (evals/datasets/handwritten_*.jsonl),
the CuCoM labels (evals/labels/cucom_*.jsonl: id, split, gold, notes) joined with
the conversation text from the CuCoM corpus, and the 3 real ABCD conversations
with their true scenario, and writes evals/datasets/dev.jsonl and train.jsonl
(GoldItem lines, sorted by id) plus their content hashes, then regenerates the label
counts in evals/DATASET_CARD.md (scripts/card_counts.py). CuCoM items outside
conv_0001..conv_5000 are refused: that slice is held out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from card_counts import update as update_card

from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.readers import read_file
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import Rejected

ROOT = Path(__file__).resolve().parents[1]
CUCOM_STARTED_AT = "2025-03-14T10:00:00+00:00"
HELD_OUT_FROM = 5001


def _cucom_number(conv_id: str) -> int:
    return int(conv_id.removeprefix("conv_"))


def load_cucom_labels(label_files: list[Path], corpus: Path) -> list[GoldItem]:
    """Join the CuCoM labels with their conversations, read by the chat-format reader."""
    labels: dict[str, dict[str, object]] = {}
    for path in label_files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            conv_id = row["id"]
            if _cucom_number(conv_id) >= HELD_OUT_FROM:
                sys.exit(f"{path}:{number}: {conv_id} is in the held-out slice; remove it")
            if conv_id in labels:
                sys.exit(f"{path}:{number}: {conv_id} is labelled twice")
            labels[conv_id] = row
    items: list[GoldItem] = []
    for record in read_file(corpus, default_destination=Destination.CLOUDCART, tz=UTC):
        if isinstance(record, Rejected):
            continue
        row = labels.get(record.call_id)
        if row is None:
            continue
        call_id = f"cucom-{record.call_id}"
        transcript = record.model_copy(
            update={
                "call_id": call_id,
                "channel": "chat",
                "started_at": datetime.fromisoformat(CUCOM_STARTED_AT),
                "source": None,
            }
        )
        items.append(
            GoldItem(
                id=call_id,
                origin="cucom",
                split=row["split"],  # type: ignore[arg-type]
                transcript=transcript,
                gold=GoldLabels.model_validate(row["gold"]),
                notes=row.get("notes"),  # type: ignore[arg-type]
            )
        )
    missing = set(labels) - {item.id.removeprefix("cucom-") for item in items}
    if missing:
        sys.exit(f"labelled conversations not found in {corpus}: {sorted(missing)[:5]}")
    return items


def load_gold_file(path: Path) -> list[GoldItem]:
    """GoldItem lines, with the file and line in any error."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(GoldItem.model_validate_json(line))
            except ValueError as exc:
                sys.exit(f"{path}:{number}: {exc}")
    return items


def write_dataset(path: Path, items: list[GoldItem]) -> str:
    """Write sorted GoldItem lines; return the sha256 of the file."""
    items = sorted(items, key=lambda item: item.id)
    text = "".join(item.model_dump_json(exclude_none=True) + "\n" for item in items)
    path.write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared/data/cucom/ecommerce.jsonl"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "evals/datasets")
    args = parser.parse_args()

    items: list[GoldItem] = []
    for path in [*sorted(args.out.glob("handwritten_*.jsonl")), args.out / "abcd.jsonl"]:
        if path.exists():
            items.extend(load_gold_file(path))
    label_files = sorted((ROOT / "evals/labels").glob("cucom_*.jsonl"))
    items.extend(load_cucom_labels(label_files, args.corpus))
    ids = [item.id for item in items]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"duplicate item ids: {sorted(duplicates)}")
    for split in ("dev", "train"):
        chosen = [item for item in items if item.split == split]
        digest = write_dataset(args.out / f"{split}.jsonl", chosen)
        by_origin: dict[str, int] = {}
        for item in chosen:
            by_origin[item.origin] = by_origin.get(item.origin, 0) + 1
        print(f"{split}.jsonl: {len(chosen)} items {by_origin} sha256={digest[:12]}")
    if args.out == ROOT / "evals/datasets":  # the card describes the shipped datasets only
        card = ROOT / "evals/DATASET_CARD.md"
        print(f"{card.name}: {'counts updated' if update_card(card, args.out) else 'current'}")


if __name__ == "__main__":
    main()

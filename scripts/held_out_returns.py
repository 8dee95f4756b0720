"""Hold 40 training returns out of the classifier, to judge the hybrid backend fairly.

    python scripts/held_out_returns.py OUT_DIR [--n 40] [--seed 11]

Writes OUT_DIR/returns.jsonl (N training items whose gold intent is a return or
refund, drawn at random with SEED) and OUT_DIR/train.jsonl (the training split
without them). Train a classifier on the second and run both backends on the
first with it, so the classifier has never seen the calls it is compared on:

    python scripts/train_classifier.py --train OUT_DIR/train.jsonl --out OUT_DIR/classifier
    CALLHANDOFF_CLASSIFIER_PATH=OUT_DIR/classifier callhandoff eval run \\
        --dataset OUT_DIR/returns.jsonl --backend hybrid --replay \\
        evals/recordings/train40-returns-hybrid-qwen2.5-coder-1.5b.jsonl.gz
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "evals" / "datasets" / "train.jsonl"
RETURNS = {"return_or_exchange", "refund"}


def _intent(item: dict[str, object]) -> object:
    gold = item["gold"]
    assert isinstance(gold, dict)
    value = gold.get("intent")
    return value.get("value") if isinstance(value, dict) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    lines = TRAIN.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    returns = [item for item in items if _intent(item) in RETURNS]
    held = {item["id"] for item in random.Random(args.seed).sample(returns, args.n)}
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        (args.out / "returns.jsonl").open("w", encoding="utf-8") as held_out,
        (args.out / "train.jsonl").open("w", encoding="utf-8") as rest,
    ):
        for line, item in zip(lines, items, strict=True):
            (held_out if item["id"] in held else rest).write(line + "\n")
    print(f"{len(held)} held-out returns, {len(items) - len(held)} training items in {args.out}")


if __name__ == "__main__":
    main()

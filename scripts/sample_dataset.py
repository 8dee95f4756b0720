"""Write a stratified sample of a gold dataset: the same items for every backend compared.

    python scripts/sample_dataset.py evals/datasets/dev.jsonl -n 40 --seed 11 \\
        -o evals/datasets/dev-sample-40.jsonl

Items are grouped by (origin, intent); each group gets its share of `n`
(largest remainder, every origin at least one item) and the items are drawn with
a fixed seed, so the sample is the same on every machine. Lines are copied byte
for byte, in their order in the source file.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path


def allocate(sizes: dict[tuple[str, str], int], n: int) -> dict[tuple[str, str], int]:
    """Items per stratum: proportional shares, largest remainders, each origin at least one."""
    total = sum(sizes.values())
    exact = {key: n * size / total for key, size in sizes.items()}
    counts = {key: int(share) for key, share in exact.items()}
    for origin in {key[0] for key in sizes}:
        if not any(counts[key] for key in sizes if key[0] == origin):
            biggest = max((key for key in sizes if key[0] == origin), key=lambda k: exact[k])
            counts[biggest] = 1
    by_remainder = sorted(sizes, key=lambda key: (-(exact[key] - int(exact[key])), key))
    for key in by_remainder:
        if sum(counts.values()) >= n:
            break
        if counts[key] < sizes[key]:
            counts[key] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("-n", type=int, default=40, help="items in the sample")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args(argv)
    lines = [line for line in args.dataset.read_text(encoding="utf-8").splitlines() if line]
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        item = json.loads(line)
        strata[(item["origin"], item["gold"]["intent"])].append(index)
    counts = allocate({key: len(members) for key, members in strata.items()}, args.n)
    rng = random.Random(args.seed)
    chosen: set[int] = set()
    for key in sorted(strata):
        chosen.update(rng.sample(strata[key], counts[key]))
    args.out.write_text("".join(lines[i] + "\n" for i in sorted(chosen)), encoding="utf-8")
    print(f"{len(chosen)} of {len(lines)} items from {len(strata)} strata -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A stratified random sample of a dataset, by origin and gold intent, reproducible by seed.

`--sample N --seed S` scores N items drawn so that every (origin, intent) group
keeps its share of the dataset (largest-remainder rounding; a group too small
for its share may get none), instead of the first N lines, which follow the
file's order (all hand-written calls first). The same N, seed and dataset give
the same items, in dataset order.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence

from callhandoff.evals.gold import GoldItem


def stratum(item: GoldItem) -> tuple[str, str]:
    """The group an item is drawn from: its origin and gold primary intent."""
    return item.origin, item.gold.intent.value


def allocate(sizes: dict[tuple[str, str], int], wanted: int) -> dict[tuple[str, str], int]:
    """Items to draw per group: proportional shares, rounded by largest remainder.

    Ties in the remainder go to the larger group, then to the group that sorts
    first, so the allocation does not depend on the seed.
    """
    total = sum(sizes.values())
    if wanted >= total:
        return dict(sizes)
    exact = {key: wanted * size / total for key, size in sizes.items()}
    counts = {key: math.floor(share) for key, share in exact.items()}
    left = wanted - sum(counts.values())
    order = sorted(sizes, key=lambda key: (-(exact[key] - counts[key]), -sizes[key], key))
    for key in order[:left]:
        counts[key] += 1
    return counts


def stratified_sample(items: Sequence[GoldItem], size: int, seed: int) -> list[GoldItem]:
    """`size` items drawn per (origin, intent) group with `random.Random(seed)`, dataset order."""
    if size < 1:
        raise ValueError("a sample needs at least one item")
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        groups[stratum(item)].append(index)
    counts = allocate({key: len(members) for key, members in groups.items()}, size)
    rng = random.Random(seed)
    chosen: set[int] = set()
    for key in sorted(groups):
        chosen.update(rng.sample(groups[key], counts[key]))
    return [item for index, item in enumerate(items) if index in chosen]

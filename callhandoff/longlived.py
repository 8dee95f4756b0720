"""Long-running jobs: keep objects that live for the whole run out of the collector's scans.

A batch run builds large, long-lived structures before its first call (the
classifier's vocabulary and weights, compiled patterns, the policy, the store's
compiled statements). Python's cyclic garbage collector would scan all of them
again on every full collection. `settle()` moves everything allocated so far to
the permanent generation, so collections during the run only look at what the
calls themselves allocate, and collects the youngest generation less often (a
call allocates thousands of short-lived objects; most are gone by then).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["settle", "settled"]

#: Net allocations between collections of the youngest generation (Python's default: 700).
_YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Collect once, exclude every object alive now from later collections, and collect
    the youngest generation less often. For a process that lives as long as its run."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, 20, 20)


@contextmanager
def settled() -> Iterator[None]:
    """`settle()` for the length of a run inside a longer-lived process; the collector's
    settings and the frozen objects are given back afterwards."""
    before = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

"""The garbage collector's settings for the process: start-up, long runs, exit.

Start-up (`start_process`, then `end_start_up`): while modules load, the
collector is off. Loading allocates about a hundred thousand objects that live
as long as the process, and little garbage; the collections they would trigger
cost about 50 ms of `callhandoff explain`'s start-up. At exit, the objects still
alive are left to the operating system: the interpreter's last collections
would walk every loaded module's objects (about 0.1 s once SQLAlchemy and
pydantic are loaded) only to free memory the process gives back. Skipped:
finalizers of objects alive at exit, which Python does not promise to run; what
must happen at exit is registered for it (the store closes its connections,
`store.db._close_at_exit`).

Long runs (`settle`, `settled`): a batch run builds large, long-lived
structures before its first call (the classifier's vocabulary and weights,
compiled patterns, the policy, the store's compiled statements). Python's cyclic
garbage collector would scan all of them again on every full collection.
`settle()` moves everything allocated so far to the permanent generation, so
collections during the run only look at what the calls themselves allocate, and
collects the youngest generation less often (a call allocates thousands of
short-lived objects; most are gone by then).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["end_start_up", "settle", "settled", "start_process"]

#: Net allocations between collections of the youngest generation (Python's default: 700).
_YOUNG_THRESHOLD = 20_000


def start_process() -> None:
    """At the start of a command-line process: the collector off until `end_start_up`,
    and no collection at exit. `atexit` runs its handlers last-in first-out, so the
    ones registered later (logging, multiprocessing) still run first, and standard
    output and error are still flushed."""
    gc.disable()
    atexit.register(gc.freeze)


def end_start_up() -> None:
    """Modules are loaded: collect garbage again, as usual."""
    gc.enable()


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

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
collects the youngest generation far less often. A collection walks every object
allocated since the last one that is still alive, and a routed run keeps tens of
thousands alive at a time (the calls of a batch waiting for its commit, the
transcripts handed to the worker processes): at 20,000 net allocations every batch
of 64 calls set off collections that walked them all (about 15 ms each); at 100,000
one comes only when objects really pile up. What a command loads for its run (its
modules, backend and store: `loading`) loads with the collector off, as start-up does.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["end_start_up", "loading", "settle", "settled", "start_process"]

#: Net allocations between collections of the youngest generation (Python's default: 700).
_YOUNG_THRESHOLD = 100_000


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
def loading() -> Iterator[None]:
    """The collector off while a command loads what its run needs (modules, a backend,
    a store): like start-up, that allocates long-lived objects and little garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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

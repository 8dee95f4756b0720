"""Extraction and grounding in worker processes, for `callhandoff process --workers N`.

The offline backend is CPU-bound Python, so one process uses one core. Here
each worker process builds its own backend from the settings once, then turns
chunks of transcripts into grounded `CallResult`s; the parent keeps reading,
routing and writing, and gets the results back in input order. A bounded
number of chunks is in flight, so memory stays flat on any input size.
`extraction_processes` says when worker processes pay off.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from callhandoff.longlived import settle
from callhandoff.schema.result import CallResult
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend
from callhandoff.summarizer.factory import build_backend, check_backend

#: Transcripts sent to a worker at a time: large enough to amortise the hand-over.
CHUNK = 32
#: Chunks queued per worker: enough to keep the workers busy while the parent routes a
#: batch (a run that stops early cancels those not started).
IN_FLIGHT = 6

#: Modules the fork server imports once, before it forks the worker processes: each
#: process then only builds its backend (a run with two workers spends about 0.3 s of
#: processor time less starting them).
PRELOAD = (
    "callhandoff.pipeline",
    "callhandoff.summarizer.factory",
    "callhandoff.summarizer.offline",
)

#: Transcripts from which a routed run with one worker extracts in a worker process of
#: its own. Starting one costs about 0.4 s; on the CuCoM calls against the demo
#: directory, 1,000 routed calls took about 0.2 s longer that way, 2,000 about 0.3 s less
#: and 5,000 about 3 s less (15.3 s instead of 18.6 s, median of 3).
OVERLAP_MIN_CALLS = 2_000


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def extraction_processes(
    workers: int,
    *,
    offline: bool,
    routed: bool,
    expected_calls: int | None,
    cores: int | None = None,
) -> int:
    """Worker processes to extract with for `--workers N`; 0 means the main process does.

    Two or more workers run in that many processes. One worker runs in the main
    process, except for an `offline` backend's routed run of at least
    `OVERLAP_MIN_CALLS` transcripts on a machine with a core to spare: then it runs
    in a worker process of its own, and the main process matches, decides and
    commits a batch while the next calls are extracted. An unrouted run leaves the
    main process too little to do meanwhile to pay for the hand-over (5,000 calls:
    the same time either way); an input of unknown size (stdin) stays in the main
    process, and so does a model backend, which waits on its server rather than on
    the processor and keeps one budget for the run.
    """
    if workers > 1:
        return workers
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return 0  # Windows: worker processes only when asked for
    spare_core = (usable_cores() if cores is None else cores) > 1
    large = expected_calls is not None and expected_calls >= OVERLAP_MIN_CALLS
    return 1 if offline and routed and spare_core and large else 0


class _Worker:
    """The backend a worker process builds once, in its initializer."""

    backend: ExtractionBackend | None = None
    settings: Settings | None = None
    failed: Exception | None = None


def _start(settings_json: str) -> None:
    """Build the worker's backend. A failure is kept for `_ready` and `_run` to raise, so
    the caller gets it with its message instead of a pool broken by its initializer."""
    try:
        _Worker.settings = Settings.model_validate_json(settings_json)
        _Worker.backend = build_backend(_Worker.settings)
    except Exception as exc:  # handed to the caller by `_ready` and `_run`
        _Worker.failed = exc
    settle()


def _run(chunk: list[Transcript]) -> list[str]:
    """Grounded results as JSON: generic pydantic models do not pickle, JSON always does."""
    from callhandoff.pipeline import to_result

    _ready()
    backend, settings = _Worker.backend, _Worker.settings
    assert backend is not None and settings is not None, "worker not started"
    return [
        to_result(handoff, transcript, settings).model_dump_json()
        for handoff, transcript in zip(backend.extract_many(chunk), chunk, strict=True)
    ]


def _ready() -> None:
    """The first task of a process: it starts the process (whose initializer builds the
    backend) and says whether the backend could be built."""
    if _Worker.failed is not None:
        raise _Worker.failed


class ExtractionPool:
    """Worker processes that extract and ground transcripts, each with its own backend.

    The processes start when the pool is made, so they load the backend while the
    caller opens its store; `wait_ready` says when they have (or why one could not),
    and `extract` hands them the transcripts. Use it as a context manager: leaving it
    stops the processes and drops work not started.
    """

    def __init__(self, settings: Settings, processes: int) -> None:
        check_backend(settings)  # a setting the processes would refuse stops the caller here
        self.processes = processes
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))  # once the fork server starts
        self._executor = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_start,
            initargs=(settings.model_dump_json(),),
        )
        # the executor starts a process per task while none is idle
        self._ready = [self._executor.submit(_ready) for _ in range(processes)]

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def wait_ready(self) -> None:
        """Wait until every process has built its backend; raise the error of one that
        could not (a setting the backend refuses, with its message)."""
        for ready in self._ready:
            ready.result()

    def close(self) -> None:
        """Stop the processes (work not started is dropped)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def extract(self, transcripts: Iterable[Transcript]) -> Iterator[CallResult]:
        """One grounded result per transcript, in order."""
        in_flight: deque[Future[list[str]]] = deque()
        source = iter(transcripts)
        try:
            while True:
                while len(in_flight) < IN_FLIGHT * self.processes:
                    chunk = list(islice(source, CHUNK))
                    if not chunk:
                        break
                    in_flight.append(self._executor.submit(_run, chunk))
                if not in_flight:
                    return
                for line in in_flight.popleft().result():
                    yield CallResult.model_validate_json(line)
        finally:
            for queued in in_flight:  # a run that stops early leaves queued chunks undone
                queued.cancel()

"""Extraction and grounding in worker processes, for `callhandoff process --workers N`.

The offline backend is CPU-bound Python, so one process uses one core. Here
each worker process builds its own backend from the settings once, then turns
chunks of transcripts into grounded `CallResult`s; the parent keeps reading,
routing and writing, and gets the results back in input order. A bounded
number of chunks is in flight, so memory stays flat on any input size.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from callhandoff.longlived import settle
from callhandoff.schema.result import CallResult
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend

#: Transcripts sent to a worker at a time: large enough to amortise the hand-over.
CHUNK = 32
#: Chunks queued per worker: enough to keep the workers busy while the parent routes a
#: batch (a run that stops early cancels those not started).
IN_FLIGHT = 6


class _Worker:
    """The backend a worker process builds once, in its initializer."""

    backend: ExtractionBackend | None = None
    settings: Settings | None = None


def _start(settings_json: str) -> None:
    from callhandoff.summarizer.factory import build_backend

    _Worker.settings = Settings.model_validate_json(settings_json)
    _Worker.backend = build_backend(_Worker.settings)
    settle()


def _run(chunk: list[Transcript]) -> list[str]:
    """Grounded results as JSON: generic pydantic models do not pickle, JSON always does."""
    from callhandoff.pipeline import to_result

    backend, settings = _Worker.backend, _Worker.settings
    assert backend is not None and settings is not None, "worker not started"
    return [
        to_result(handoff, transcript, settings).model_dump_json()
        for handoff, transcript in zip(backend.extract_many(chunk), chunk, strict=True)
    ]


def extract_in_workers(
    transcripts: Iterable[Transcript], settings: Settings, workers: int
) -> Iterator[CallResult]:
    """One grounded result per transcript, in order, computed by `workers` processes."""
    context = multiprocessing.get_context("forkserver")
    in_flight: deque[Future[list[str]]] = deque()
    source = iter(transcripts)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start,
        initargs=(settings.model_dump_json(),),
    ) as pool:
        try:
            while True:
                while len(in_flight) < IN_FLIGHT * workers:
                    chunk = list(islice(source, CHUNK))
                    if not chunk:
                        break
                    in_flight.append(pool.submit(_run, chunk))
                if not in_flight:
                    return
                for line in in_flight.popleft().result():
                    yield CallResult.model_validate_json(line)
        finally:
            for queued in in_flight:  # a run that stops early leaves queued chunks undone
                queued.cancel()

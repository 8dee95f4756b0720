"""The pipeline as plain functions: read → redact → extract → ground → (route).

Stages never reach into each other; each takes and returns the schema models.
Routing (match, priority, policy, persistence) is the router's job and happens
in batches, one transaction each.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING

from callhandoff.grounding import ground_handoff
from callhandoff.redaction.stage import redact_stream
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend

if TYPE_CHECKING:
    from callhandoff.routing.router import Router
    from callhandoff.workers import ExtractionPool


def finish_handoff(handoff: Handoff, transcript: Transcript, settings: Settings) -> Handoff:
    """Ground every value against the transcript (the check every backend goes through)."""
    return ground_handoff(handoff, transcript, fuzzy_threshold=settings.grounding_fuzzy_threshold)


def to_result(handoff: Handoff, transcript: Transcript, settings: Settings) -> CallResult:
    """The output line of one call before routing: its grounded handoff and where it came from."""
    return CallResult(
        call_id=transcript.call_id,
        source=transcript.source,
        transcript_hash=transcript.content_hash(),
        handoff=finish_handoff(handoff, transcript, settings),
    )


def _results(
    transcripts: Iterable[Transcript],
    backend: ExtractionBackend | None,
    settings: Settings,
    processes: int | ExtractionPool,
) -> Iterator[CallResult]:
    if not isinstance(processes, int):
        yield from processes.extract(transcripts)
        return
    if processes:
        from callhandoff.workers import ExtractionPool

        with ExtractionPool(settings, processes) as pool:
            yield from pool.extract(transcripts)
        return
    if backend is None:
        raise ValueError("nothing to extract with: pass a backend or worker processes")
    pending: deque[Transcript] = deque()

    def fed() -> Iterator[Transcript]:
        for transcript in transcripts:
            pending.append(transcript)
            yield transcript

    for handoff in backend.extract_many(fed()):
        yield to_result(handoff, pending.popleft(), settings)


def extract_stream(
    inputs: Iterable[Transcript | Rejected],
    backend: ExtractionBackend | None,
    settings: Settings,
    *,
    processes: int | ExtractionPool = 0,
) -> Iterator[tuple[CallResult, Transcript] | Rejected]:
    """Every input comes out once, in input order: its grounded result or the Rejected it was.

    Redaction comes first: every transcript (and every rejected record's raw text)
    has its secrets masked before the backend, the store or any output sees it, and
    the transcript paired with each result is the redacted one. Transcripts are fed
    lazily to `backend.extract_many` (or, with `processes`, to that many worker
    processes each running its own backend, see `workers.py`; an `ExtractionPool`
    started earlier is used and left open; `backend` may then be None), so extraction
    can work ahead while rejects keep their place in the output.
    """
    pending: deque[Transcript | Rejected] = deque()

    def transcripts() -> Iterator[Transcript]:
        for item in redact_stream(inputs):
            pending.append(item)
            if isinstance(item, Transcript):
                yield item

    def leading_rejects() -> Iterator[Rejected]:
        while pending and isinstance(head := pending[0], Rejected):
            pending.popleft()
            yield head

    for result in _results(transcripts(), backend, settings, processes):
        yield from leading_rejects()
        transcript = pending.popleft()
        assert isinstance(transcript, Transcript), "backend yielded more handoffs than inputs"
        yield result, transcript
    yield from leading_rejects()


def process_stream(
    inputs: Iterable[Transcript | Rejected],
    backend: ExtractionBackend | None,
    settings: Settings,
    router: Router | None = None,
    *,
    processes: int | ExtractionPool = 0,
) -> Generator[CallResult | Rejected, None, None]:
    """`extract_stream`, then (with a `router`) each call matched, decided and persisted.

    Routing commits in batches; a result is yielded only after its batch is
    committed, and rejects keep their place in the order. A call the run's budget
    left pending (`meta.pending`) is not routed: a re-run extracts and routes it.
    Close it (`contextlib.closing`) when stopping early: the backend then closes
    what its run holds open (an LLM recording) at once.
    """
    extracted = extract_stream(inputs, backend, settings, processes=processes)
    if router is None:
        for item in extracted:
            yield item if isinstance(item, Rejected) else item[0]
        return
    held: deque[Rejected | CallResult | None] = deque()  # None marks a routed call's place

    def calls() -> Iterator[tuple[CallResult, Transcript]]:
        for item in extracted:
            if isinstance(item, Rejected):
                held.append(item)
            elif item[0].handoff.meta.pending:
                held.append(item[0])
            else:
                held.append(None)
                yield item

    def released() -> Iterator[Rejected | CallResult]:
        while held and held[0] is not None:
            kept = held.popleft()
            assert kept is not None
            yield kept

    for routed in router.route_many(calls()):
        yield from released()
        marker = held.popleft()
        assert marker is None, "a routed call out of order"
        yield routed
    yield from released()

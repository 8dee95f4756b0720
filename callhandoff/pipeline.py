"""The pipeline as plain functions: read → extract → ground → prioritise → (route).

Stages never reach into each other; each takes and returns the schema models.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from callhandoff.grounding import ground_handoff
from callhandoff.routing.priority import compute_priority
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend

if TYPE_CHECKING:
    from callhandoff.routing.router import Router


def reference_time(transcript: Transcript) -> datetime:
    """The moment relative dates in the call are resolved against: the call start, else now."""
    return transcript.started_at or datetime.now(UTC)


def finish_handoff(handoff: Handoff, transcript: Transcript, settings: Settings) -> Handoff:
    """Ground every value against the transcript, then compute the routing priority."""
    grounded = ground_handoff(
        handoff, transcript, fuzzy_threshold=settings.grounding_fuzzy_threshold
    )
    priority = compute_priority(grounded, reference=reference_time(transcript))
    return grounded.model_copy(update={"priority": priority})


def process_stream(
    inputs: Iterable[Transcript | Rejected],
    backend: ExtractionBackend,
    settings: Settings,
    router: Router | None = None,
) -> Iterator[CallResult | Rejected]:
    """Every input comes out once, in input order: a CallResult or the Rejected it was.

    Transcripts are fed lazily to `backend.extract_many`, so a concurrent backend
    can work ahead while rejects keep their place in the output. With a `router`,
    each result is also matched to the directory, decided and persisted, except
    calls left pending by the run's budget (`meta.pending`): a re-run does them.
    """
    pending: deque[Transcript | Rejected] = deque()

    def transcripts() -> Iterator[Transcript]:
        for item in inputs:
            pending.append(item)
            if isinstance(item, Transcript):
                yield item

    def leading_rejects() -> Iterator[Rejected]:
        while pending and isinstance(head := pending[0], Rejected):
            pending.popleft()
            yield head

    for handoff in backend.extract_many(transcripts()):
        yield from leading_rejects()
        transcript = pending.popleft()
        assert isinstance(transcript, Transcript), "backend yielded more handoffs than inputs"
        result = CallResult(
            call_id=transcript.call_id,
            source=transcript.source,
            transcript_hash=transcript.content_hash(),
            handoff=finish_handoff(handoff, transcript, settings),
        )
        if router is None or handoff.meta.pending:  # pending: the next run extracts it
            yield result
        else:
            yield router.route(result, transcript)
    yield from leading_rejects()

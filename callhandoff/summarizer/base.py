"""The interface every extraction backend implements: transcripts in, handoffs out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript


class ExtractionBackend(Protocol):
    """Turns transcripts into (not yet grounded) handoffs.

    `extract_many` yields exactly one handoff per transcript, in input order, and
    never raises for a single bad call: a backend failure becomes a handoff whose
    `meta.fallback_reason` says why, which the policy sends to review.
    """

    name: str

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        """One handoff per transcript, in order; may work on several concurrently."""
        ...

    def close(self) -> None:
        """Release clients, caches and worker threads."""
        ...

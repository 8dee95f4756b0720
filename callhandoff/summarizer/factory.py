"""Pick and build the extraction backend the settings ask for."""

from __future__ import annotations

from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend


def build_backend(settings: Settings) -> ExtractionBackend:
    """The offline backend unless an OpenAI-compatible endpoint is configured or forced."""
    if settings.resolved_backend == "hybrid":
        from callhandoff.summarizer.hybrid import HybridBackend

        hybrid = HybridBackend(settings)
        hybrid.api_key()  # a missing key stops the run before any work starts
        return hybrid
    if settings.resolved_backend == "openai":
        from callhandoff.summarizer.llm_backend import LLMBackend

        backend = LLMBackend(settings)
        backend.api_key()  # a missing key stops the run before any work starts
        return backend
    from callhandoff.summarizer.offline import OfflineBackend

    return OfflineBackend(settings)

"""Pick and build the extraction backend the settings ask for."""

from __future__ import annotations

from callhandoff.extractors.classifier.files import classifier_files
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend


def check_backend(settings: Settings) -> None:
    """Refuse (ConfigError) what `build_backend` would refuse and can be seen without building
    the backend: a classifier folder without a trained classifier. For a caller whose
    backend is built in worker processes, before it opens a store or writes anything."""
    if settings.resolved_backend in {"offline", "hybrid"}:
        classifier_files(settings.classifier_path)


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

"""Run a backend over a gold dataset through the real pipeline, N times if asked.

Each item goes through `pipeline.process_stream` exactly as `callhandoff process`
would send it (grounding, priority, and routing when a router factory is given,
see `evals.routing.isolated_router`), so the
eval measures the product, not a test double of it. The backend answers repeated
model calls from its LLM cache on the first repeat; later repeats run with the
cache off, since a cached answer would agree with itself by construction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

from callhandoff.evals.dataset import Dataset
from callhandoff.evals.provenance import classifier_version, policy_label
from callhandoff.evals.records import ItemRun, RunOutput
from callhandoff.pipeline import process_stream
from callhandoff.routing.router import Router
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.settings import Settings
from callhandoff.summarizer.base import ExtractionBackend

BackendFactory = Callable[[Settings], ExtractionBackend]
RouterFactory = Callable[[], AbstractContextManager["Router | None"]]
ProgressCallback = Callable[[int], None]


def _default_factory(settings: Settings) -> ExtractionBackend:
    from callhandoff.summarizer.factory import build_backend

    return build_backend(settings)


def _stream(
    dataset: Dataset, backend: ExtractionBackend, settings: Settings, router: Router | None
) -> Iterator[CallResult | Rejected]:
    transcripts = (item.transcript for item in dataset.items)
    return process_stream(transcripts, backend, settings, router=router)


def _no_router() -> AbstractContextManager[Router | None]:
    return nullcontext(None)


def _run_once(
    dataset: Dataset,
    backend: ExtractionBackend,
    settings: Settings,
    router: Router | None,
    repeat: int,
    on_item: ProgressCallback | None,
) -> list[ItemRun]:
    """One pass over the dataset; every item gets an ItemRun, even if the backend skipped it."""
    runs: list[ItemRun] = []
    last = time.perf_counter()
    for output in _stream(dataset, backend, settings, router):
        now = time.perf_counter()
        observed_ms = (now - last) * 1000.0
        last = now
        position = len(runs)
        if position >= len(dataset.items):
            break
        item = dataset.items[position]
        if isinstance(output, Rejected):
            runs.append(
                ItemRun(
                    item=item,
                    repeat=repeat,
                    position=position,
                    result=None,
                    latency_ms=observed_ms,
                    error=output.problem,
                )
            )
        else:
            meta = output.handoff.meta
            runs.append(
                ItemRun(
                    item=item,
                    repeat=repeat,
                    position=position,
                    result=output,
                    latency_ms=meta.latency_ms if meta.latency_ms > 0 else observed_ms,
                    prompt_tokens=meta.prompt_tokens,
                    completion_tokens=meta.completion_tokens,
                    cost_usd=meta.cost_usd,
                    cached=meta.cached,
                    error=None,
                )
            )
        if on_item is not None:
            on_item(1)
    for position in range(len(runs), len(dataset.items)):
        runs.append(
            ItemRun(
                item=dataset.items[position],
                repeat=repeat,
                position=position,
                result=None,
                error="the backend returned no handoff for this item",
            )
        )
        if on_item is not None:
            on_item(1)
    return runs


def run_dataset(
    dataset: Dataset,
    settings: Settings,
    *,
    make_backend: BackendFactory = _default_factory,
    make_router: RouterFactory | None = None,
    repeat: int = 1,
    on_item: ProgressCallback | None = None,
) -> RunOutput:
    """Run every item `repeat` times and collect the outputs, tokens, cost and latency.

    A fresh backend and a fresh router (from `make_router`, a context manager so its
    temporary store is cleaned up) are made for each repeat; repeats after the
    first bypass the LLM cache so they measure the prompt's stability. Without a
    router no decisions are made and the decision metrics read "not measured".
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    items: list[ItemRun] = []
    backend_name = ""
    for index in range(repeat):
        repeat_settings = (
            settings if index == 0 else settings.model_copy(update={"use_cache": False})
        )
        backend = make_backend(repeat_settings)
        backend_name = backend.name
        try:
            with (make_router or _no_router)() as router:
                items.extend(_run_once(dataset, backend, settings, router, index, on_item))
        finally:
            backend.close()
    metas = [run.result.handoff.meta for run in items if run.result is not None]
    uses_model = settings.resolved_backend in ("openai", "hybrid")
    model = next((m.model for m in metas if m.model), settings.model if uses_model else None)
    prompt_id = next((m.prompt_id for m in metas if m.prompt_id), None)
    prompt_hash = next((m.prompt_hash for m in metas if m.prompt_hash), None)
    policy_hash = next(
        (r.result.decision.policy_version for r in items if r.result and r.result.decision), None
    )
    return RunOutput(
        dataset=dataset,
        items=tuple(items),
        backend=backend_name,
        model=model,
        prompt_id=prompt_id or (settings.prompt if uses_model else None),
        prompt_hash=prompt_hash,
        repeat=repeat,
        started_at=started_at,
        duration_s=time.perf_counter() - clock,
        policy_path=policy_label(settings.policy_path) if policy_hash else None,
        policy_hash=policy_hash,
        classifier_version=(
            classifier_version(settings.classifier_path) if backend_name == "offline" else None
        ),
    )

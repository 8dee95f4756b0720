"""Command-line options that several commands share, declared once.

`process` and `eval run` both pick an extraction backend; they take the same
flags with the same help, and `backend_overrides` turns them into settings.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

Backend = Annotated[
    str | None,
    typer.Option(help="offline, openai, hybrid or auto (openai when a base URL is set)."),
]
Model = Annotated[str | None, typer.Option(help="Model name for the openai backend.")]
Prompt = Annotated[
    str | None, typer.Option(help="Prompt id (e.g. hybrid-v2) or the path of a prompt file.")
]
BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")]
Concurrency = Annotated[int | None, typer.Option(min=1, help="Parallel model calls.")]
Cache = Annotated[bool, typer.Option(help="Answer repeated model calls from the cache.")]
ShowProgress = Annotated[bool, typer.Option(help="Show a progress bar.")]


def backend_overrides(
    *,
    backend: str | None,
    model: str | None,
    prompt: str | None,
    base_url: str | None,
    concurrency: int | None,
    cache: bool,
) -> dict[str, Any]:
    """The settings the shared backend flags set (None means: keep the env/.env value)."""
    return {
        "backend": backend,
        "model": model,
        "prompt": prompt,
        "base_url": base_url,
        "concurrency": concurrency,
        "use_cache": cache,
    }

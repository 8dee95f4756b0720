"""Provider guesses, mode defaults and the cache key."""

from __future__ import annotations

from pathlib import Path

import pytest

from callhandoff.summarizer.cache import LLMCache, cache_key
from callhandoff.summarizer.providers import DEFAULT_MODE, detect_provider, resolved_mode

from .helpers import settings


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        (None, "openai"),
        ("https://api.openai.com/v1", "openai"),
        ("https://acme.openai.azure.com/openai/v1/", "azure"),
        ("http://localhost:11434/v1", "ollama"),
        ("http://vllm.internal:8000/v1", "vllm"),
        ("http://127.0.0.1:8080/v1", "llamacpp"),
        ("http://127.0.0.1:8000/v1", "other"),
    ],
)
def test_provider_is_guessed_from_the_url(url: str | None, provider: str) -> None:
    assert detect_provider(url) == provider


def test_mode_defaults_per_provider_and_explicit_mode_wins(tmp_path: Path) -> None:
    assert DEFAULT_MODE["llamacpp"] == "json_schema" and DEFAULT_MODE["ollama"] == "json_schema"
    s = settings(tmp_path, mode=None, base_url="http://localhost:11434/v1")
    assert resolved_mode(s) == ("ollama", "json_schema")
    s = settings(tmp_path, mode="json", base_url="http://localhost:11434/v1")
    assert resolved_mode(s) == ("ollama", "json")
    s = settings(tmp_path, mode=None, provider="llamacpp", base_url="http://10.0.0.5:8000/v1")
    assert resolved_mode(s) == ("llamacpp", "json_schema")


def test_cache_key_changes_with_every_input() -> None:
    base = {
        "model": "m",
        "prompt_hash": "p",
        "schema_hash": "s",
        "transcript_hash": "t",
        "settings": {"temperature": 0.0},
    }
    key = cache_key(**base)  # type: ignore[arg-type]
    for field, other in [
        ("model", "m2"),
        ("prompt_hash", "p2"),
        ("schema_hash", "s2"),
        ("transcript_hash", "t2"),
        ("settings", {"temperature": 0.5}),
    ]:
        assert cache_key(**{**base, field: other}) != key  # type: ignore[arg-type]


def test_cache_without_reading_still_writes(tmp_path: Path) -> None:
    from callhandoff.schema.handoff import ExtractionMeta, Handoff

    handoff = Handoff(call_id="c", destination="cults", meta=ExtractionMeta(backend="openai"))
    writer = LLMCache.in_data_dir(tmp_path, read=False)
    writer.put("k", handoff, transcript_hash="t")
    assert writer.get("k") is None and len(writer) == 1
    writer.close()
    reader = LLMCache.in_data_dir(tmp_path)
    hit = reader.get("k")
    assert hit is not None and hit.meta.cached
    assert hit.model_dump(exclude={"meta": {"cached"}}) == handoff.model_dump(
        exclude={"meta": {"cached"}}
    )
    reader.close()

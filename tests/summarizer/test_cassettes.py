"""Replay real model traffic (recorded from a llama.cpp server) through the whole backend.

The cassettes were recorded by scripts/record_cassettes.py from SmolLM2-135M-Instruct:
a poor model on purpose, so the replay exercises validation re-asks and fallbacks on a
real model's mistakes. A test fails when a cassette is not played to the end.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.llm_backend import LLMBackend

from .helpers import Fields

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "tests" / "cassettes" / "summarizer"
MANIFEST: dict[str, Any] = json.loads((CASSETTES / "manifest.json").read_text(encoding="utf-8"))
CALLS = [
    Transcript.model_validate_json(line)
    for line in (ROOT / MANIFEST["fixture"]).read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def outcome(meta: Any) -> str:
    if meta.fallback_reason:
        return "fallback"
    return "retried" if meta.attempts > 1 else "valid"


def recorded_usage(path: Path) -> tuple[int, int]:
    """Prompt and completion tokens the server reported across the whole cassette."""
    _requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
    prompt = completion = 0
    for response in responses:
        body = response["body"]["string"]
        payload = json.loads(body) if body else {}
        usage = payload.get("usage") or {}
        prompt += usage.get("prompt_tokens", 0)
        completion += usage.get("completion_tokens", 0)
    return prompt, completion


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.mark.parametrize("cassette", MANIFEST["cassettes"], ids=lambda c: c["name"])
def test_recorded_traffic_replays_to_the_same_outcomes(
    cassette: dict[str, Any], tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    path = CASSETTES / f"{cassette['name']}.yaml"
    recorded = MANIFEST["recorded"]
    settings = Settings(
        **MANIFEST["settings"],
        mode=cassette["mode"],
        base_url=recorded["base_url"],
        model=recorded["model"],
        data_dir=tmp_path,
        use_cache=False,
    )
    backend = LLMBackend(settings, sleep=_no_wait, extractor=lambda _t: Fields())
    with replay_cassette(path):
        handoffs = list(backend.extract_many(CALLS))
    backend.close()

    assert [h.call_id for h in handoffs] == [t.call_id for t in CALLS]
    counts = Counter(outcome(h.meta) for h in handoffs)
    assert dict(counts) == recorded["outcomes"][cassette["name"]]
    assert all(h.meta.model == recorded["model"] for h in handoffs)
    prompt, completion = recorded_usage(path)
    assert sum(h.meta.prompt_tokens for h in handoffs) == prompt
    assert sum(h.meta.completion_tokens for h in handoffs) == completion
    for handoff in handoffs:
        if handoff.meta.fallback_reason is None:
            assert handoff.request.intent is not None and handoff.summary
        else:
            assert handoff.request.intent is None  # never a silent half-answer


def test_llama_cpp_rejects_json_schema_and_every_call_goes_to_review(
    tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    recorded = MANIFEST["recorded"]
    if recorded.get("provider") != "llamacpp" and "127.0.0.1" not in recorded["base_url"]:
        pytest.skip("the json_schema cassette was re-recorded against another server")
    settings = Settings(
        **MANIFEST["settings"],
        mode="json_schema",
        base_url=recorded["base_url"],
        model=recorded["model"],
        data_dir=tmp_path,
        use_cache=False,
    )
    backend = LLMBackend(settings, sleep=_no_wait, extractor=lambda _t: Fields())
    with replay_cassette(CASSETTES / "json_schema.yaml"):
        handoffs = list(backend.extract_many(CALLS))
    backend.close()
    for handoff in handoffs:
        reason = handoff.meta.fallback_reason or ""
        assert reason.startswith("HTTP 500 from the model endpoint after 2 attempts")
        assert "json_object" in reason


def test_cassettes_hold_no_credentials() -> None:
    secret = {"authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
    for path in CASSETTES.glob("*.yaml"):
        requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
        assert requests, path
        for request in requests:
            assert not secret & {name.lower() for name in request.headers}, path
        for response in responses:
            assert not secret & {name.lower() for name in response["headers"]}, path


def test_a_partly_played_cassette_fails(
    tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    recorded = MANIFEST["recorded"]
    settings = Settings(
        **MANIFEST["settings"],
        mode="tools",
        base_url=recorded["base_url"],
        model=recorded["model"],
        data_dir=tmp_path,
        use_cache=False,
    )
    backend = LLMBackend(settings, sleep=_no_wait, extractor=lambda _t: Fields())
    with (
        pytest.raises(AssertionError, match="recorded interactions were played"),
        replay_cassette(CASSETTES / "tools.yaml"),
    ):
        list(backend.extract_many(CALLS[:1]))
    backend.close()

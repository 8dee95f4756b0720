"""Replay real model traffic (recorded from a llama.cpp server) through the whole backend.

The cassettes were recorded by scripts/record_cassettes.py from
Qwen2.5-Coder-1.5B-Instruct, one per instructor mode and one for the hybrid
backend, and one kept from SmolLM2-135M-Instruct: a server refusing the request,
so every call falls back. A test fails when a cassette is not played to the end.
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

from callhandoff.schema.handoff import ExtractionMeta
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.hybrid import HybridBackend
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
RECORDED = [c for c in MANIFEST["cassettes"] if not c.get("kept")]
KEPT = {c["name"]: c for c in MANIFEST["cassettes"] if c.get("kept")}


def outcome(meta: ExtractionMeta) -> str:
    if meta.fallback_reason:
        return "fallback"
    return "reasked" if meta.reasked else "valid"


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


def backend_for(cassette: dict[str, Any], tmp_path: Path) -> LLMBackend:
    """The backend and settings the cassette was recorded with."""
    recorded = cassette["recorded"]
    settings = Settings(
        **{**MANIFEST["settings"], **cassette.get("settings", {})},
        backend=cassette["backend"],
        mode=cassette["mode"],
        base_url=recorded["base_url"],
        model=recorded["model"],
        provider=recorded["provider"],
        extra_body=recorded.get("extra_body"),
        data_dir=tmp_path,
        use_cache=False,
    )
    if cassette["backend"] == "hybrid":
        return HybridBackend(settings, sleep=_no_wait)
    return LLMBackend(settings, sleep=_no_wait, extractor=lambda _t: Fields())


def replay(
    cassette: dict[str, Any], tmp_path: Path, replay_cassette: Callable[..., Any]
) -> list[Any]:
    backend = backend_for(cassette, tmp_path)
    options = {"match_on": cassette["match_on"]} if "match_on" in cassette else {}
    with replay_cassette(CASSETTES / f"{cassette['name']}.yaml", **options):
        handoffs = list(backend.extract_many(CALLS))
    backend.close()
    return handoffs


@pytest.mark.parametrize("cassette", RECORDED, ids=lambda c: c["name"])
def test_recorded_traffic_replays_to_the_same_outcomes(
    cassette: dict[str, Any], tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    handoffs = replay(cassette, tmp_path, replay_cassette)
    recorded = cassette["recorded"]

    assert [h.call_id for h in handoffs] == [t.call_id for t in CALLS]
    assert dict(Counter(outcome(h.meta) for h in handoffs)) == recorded["outcomes"]
    assert all(h.meta.model == recorded["model"] for h in handoffs)
    prompt, completion = recorded_usage(CASSETTES / f"{cassette['name']}.yaml")
    assert sum(h.meta.prompt_tokens for h in handoffs) == prompt  # summed over every attempt
    assert sum(h.meta.completion_tokens for h in handoffs) == completion
    for handoff in handoffs:
        if handoff.meta.fallback_reason is None:
            assert handoff.summary and handoff.next_step
            assert handoff.meta.attempts == 1 + bool(handoff.meta.reasked)
        else:
            assert handoff.request.intent is None or cassette["backend"] == "hybrid"


def test_a_real_model_answer_is_salvaged_not_thrown_away(
    tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    """Qwen 1.5B misnumbers turns; its quotes are re-anchored and its ids kept."""
    cassette = next(c for c in RECORDED if c["name"] == "json_schema")
    handoffs = replay(cassette, tmp_path, replay_cassette)
    assert all(h.meta.fallback_reason is None for h in handoffs)
    assert all(h.request.intent is not None for h in handoffs)
    assert any(h.grounding.reanchored for h in handoffs)
    for handoff in handoffs:
        call = next(t for t in CALLS if t.call_id == handoff.call_id)
        for moved in handoff.grounding.reanchored:
            assert moved.quote.casefold() in call.turns[moved.turn].text.casefold() or (
                moved.turn < len(call.turns)
            )


def test_llama_cpp_rejecting_json_schema_sends_every_call_to_review(
    tmp_path: Path, replay_cassette: Callable[..., Any]
) -> None:
    handoffs = replay(KEPT["smollm2-json_schema"], tmp_path, replay_cassette)
    for handoff in handoffs:
        reason = handoff.meta.fallback_reason or ""
        assert reason.startswith("HTTP 500 from the model endpoint after 2 attempts")
        assert "json_object" in reason
        assert handoff.request.intent is None and handoff.meta.attempts == 1


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
    backend = backend_for(RECORDED[0], tmp_path)
    with (
        pytest.raises(AssertionError, match="recorded interactions were played"),
        replay_cassette(CASSETTES / f"{RECORDED[0]['name']}.yaml"),
    ):
        list(backend.extract_many(CALLS[:1]))
    backend.close()

"""Recordings of model traffic: written during a run, replayed with no server and no key."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx2
import pytest

from callhandoff.summarizer.llm_backend import LLMBackend
from callhandoff.summarizer.recording import read_recording

from .helpers import completion, default_fields, good_answer, ok, settings, transcript

CALLS = [transcript(f"rec-{i}") for i in range(3)]


def record(tmp_path: Path, target: Path, **overrides: object) -> list[dict[str, object]]:
    sent: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return ok(completion(good_answer(), prompt_tokens=900 + len(sent), completion_tokens=90))

    cfg = settings(
        tmp_path / "rec", llm_record=target, use_cache=False, api_key="sk-secret-1", **overrides
    )
    backend = LLMBackend(cfg, transport=httpx2.MockTransport(handler), extractor=default_fields)
    handoffs = [h.model_dump(mode="json") for h in backend.extract_many(CALLS)]
    backend.close()
    assert len(sent) == 3
    return handoffs


def replay(tmp_path: Path, source: Path, **overrides: object) -> list[dict[str, object]]:
    cfg = settings(tmp_path / "replay", llm_replay=source, use_cache=False, **overrides)
    backend = LLMBackend(cfg, extractor=default_fields)  # no transport: nothing can be sent
    handoffs = [h.model_dump(mode="json") for h in backend.extract_many(CALLS)]
    backend.close()
    return handoffs


def comparable(handoff: dict[str, object]) -> dict[str, object]:
    meta = dict(handoff["meta"])  # type: ignore[arg-type]
    for moving in ("latency_ms", "created_at", "replayed"):
        meta.pop(moving)
    return {**handoff, "meta": meta}


@pytest.mark.parametrize("name", ["run.jsonl", "run.jsonl.gz"])
def test_a_recorded_run_replays_to_the_same_handoffs(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    recorded = record(tmp_path, target)
    header, exchanges = read_recording(target)
    assert header["model"] == "test-model" and header["prompt"] == "handoff-v2"
    assert header["backend"] == "openai" and len(exchanges) == 3
    raw = gzip.decompress(target.read_bytes()) if name.endswith(".gz") else target.read_bytes()
    assert b"sk-secret-1" not in raw and b"authorization" not in raw.lower()

    replayed = replay(tmp_path, target)
    assert [comparable(h) for h in replayed] == [comparable(h) for h in recorded]
    assert all(h["meta"]["replayed"] for h in replayed)  # type: ignore[index]
    assert not any(h["meta"]["replayed"] for h in recorded)  # type: ignore[index]
    assert [h["meta"]["prompt_tokens"] for h in replayed] == [901, 902, 903]  # type: ignore[index]


def test_a_request_the_recording_does_not_hold_is_named_not_sent(tmp_path: Path) -> None:
    target = tmp_path / "run.jsonl"
    record(tmp_path, target)
    changed = replay(tmp_path, target, temperature=0.5)
    for handoff in changed:
        reason = handoff["meta"]["fallback_reason"]  # type: ignore[index]
        assert "HTTP 400" in reason and "not in the recording run.jsonl" in reason


def test_a_replay_needs_no_key_even_for_openai(tmp_path: Path) -> None:
    target = tmp_path / "run.jsonl"
    openai = "https://api.openai.com/v1"
    record(tmp_path, target, base_url=openai)  # the mock transport answers: nothing leaves
    lines = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["settings"]["provider"] == "openai"
    replayed = replay(tmp_path, target, api_key=None, base_url=openai)
    assert all(h["meta"]["fallback_reason"] is None for h in replayed)  # type: ignore[index]


def test_a_recording_cut_short_by_a_crash_keeps_its_complete_exchanges(tmp_path: Path) -> None:
    target = tmp_path / "run.jsonl.gz"
    record(tmp_path, target)
    header, exchanges = read_recording(target)
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"format": "callhandoff-llm-recording/1", "settings": header}))
        handle.write("\n" + json.dumps(exchanges[0]) + "\n")
        handle.flush()  # what a killed run leaves behind: no end-of-stream marker
        crashed = cut.read_bytes()
    cut.write_bytes(crashed)
    assert read_recording(cut) == (header, exchanges[:1])

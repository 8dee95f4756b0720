"""Re-record every LLM cassette in tests/cassettes/summarizer/ against a real endpoint.

    CALLHANDOFF_BASE_URL=http://127.0.0.1:8765/v1 CALLHANDOFF_MODEL=SmolLM2-135M-Instruct \\
        CALLHANDOFF_PROVIDER=llamacpp .venv/bin/python scripts/record_cassettes.py   # all
    CALLHANDOFF_BASE_URL=https://api.openai.com/v1 CALLHANDOFF_MODEL=gpt-4o-mini \\
        OPENAI_API_KEY=sk-... .venv/bin/python scripts/record_cassettes.py --only tools

The plan (fixture transcripts, settings, one cassette per instructor mode) is
tests/cassettes/summarizer/manifest.json; the script writes what it recorded
against (model, endpoint, provider, date, outcome counts) back into it, and the
replay tests build the very same requests from it. Authorization, api-key and
cookie headers are filtered out of every cassette.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vcr

from callhandoff.extractors.fields import DeterministicFields
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.llm_backend import LLMBackend
from callhandoff.summarizer.providers import detect_provider

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "tests" / "cassettes" / "summarizer"
MANIFEST = CASSETTES / "manifest.json"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
]


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("set-cookie", *SECRET_HEADERS):
            del headers[name]
    return response


def load_transcripts(manifest: dict[str, Any]) -> list[Transcript]:
    """The fixture calls every cassette is recorded (and replayed) with."""
    lines = (ROOT / manifest["fixture"]).read_text(encoding="utf-8").splitlines()
    return [Transcript.model_validate_json(line) for line in lines if line.strip()]


def record(
    name: str, mode: str, manifest: dict[str, Any], transcripts: list[Transcript]
) -> dict[str, int]:
    """Record one cassette; returns counts of valid / retried / fallen-back handoffs."""
    path = CASSETTES / f"{name}.yaml"
    path.unlink(missing_ok=True)
    recorder = vcr.VCR(
        record_mode="all",
        match_on=MATCH_ON,
        filter_headers=SECRET_HEADERS,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            **manifest["settings"], mode=mode, data_dir=Path(data_dir), use_cache=False
        )
        backend = LLMBackend(settings, extractor=lambda _t: DeterministicFields())
        with recorder.use_cassette(str(path)):
            for handoff in backend.extract_many(transcripts):
                kind = (
                    "fallback"
                    if handoff.meta.fallback_reason
                    else ("retried" if handoff.meta.attempts > 1 else "valid")
                )
                counts[kind] += 1
                print(
                    f"  {handoff.call_id}: {kind}, {handoff.meta.attempts} attempts, "
                    f"{handoff.meta.prompt_tokens}+{handoff.meta.completion_tokens} tokens"
                    + (
                        f", {handoff.meta.fallback_reason[:120]}"
                        if handoff.meta.fallback_reason
                        else ""
                    ),
                    flush=True,
                )
        backend.close()
    return dict(counts)


def main(argv: list[str] | None = None) -> int:
    """Record the cassettes named by --only (default: all) and update the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="cassette name (repeatable)")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    env = Settings()
    if not env.base_url:
        print(
            "set CALLHANDOFF_BASE_URL (and CALLHANDOFF_MODEL, CALLHANDOFF_API_KEY)", file=sys.stderr
        )
        return 2
    transcripts = load_transcripts(manifest)
    recorded = manifest.setdefault("recorded", {})
    for cassette in manifest["cassettes"]:
        if args.only and cassette["name"] not in args.only:
            continue
        print(
            f"recording {cassette['name']} ({cassette['mode']}) against {env.base_url}", flush=True
        )
        started = time.perf_counter()
        counts = record(cassette["name"], cassette["mode"], manifest, transcripts)
        recorded.setdefault("outcomes", {})[cassette["name"]] = counts
        print(f"  {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    recorded.update(
        model=env.model,
        base_url=env.base_url,
        provider=detect_provider(env.base_url, env.provider),
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Re-record the LLM cassettes in tests/cassettes/summarizer/ against a real endpoint.

    CALLHANDOFF_BASE_URL=http://127.0.0.1:18766/v1 CALLHANDOFF_MODEL=qwen2.5-coder-1.5b \\
        CALLHANDOFF_PROVIDER=llamacpp .venv/bin/python scripts/record_cassettes.py   # all
    CALLHANDOFF_BASE_URL=https://api.openai.com/v1 CALLHANDOFF_MODEL=gpt-4o-mini \\
        OPENAI_API_KEY=sk-... .venv/bin/python scripts/record_cassettes.py --only tools

The plan (fixture transcripts, settings, one cassette per backend and instructor
mode) is tests/cassettes/summarizer/manifest.json; the script writes what each
cassette was recorded against (model, endpoint, provider, date, outcome counts)
into its 'recorded' block, and the replay tests build the very same requests from
it. Cassettes marked 'kept' (an old recording kept on purpose) are only recorded
when named with --only. Authorization, api-key and cookie headers are filtered
out of every cassette.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import vcr

from callhandoff.extractors.fields import DeterministicFields
from callhandoff.schema.handoff import ExtractionMeta
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.hybrid import HybridBackend
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


def outcome(meta: ExtractionMeta) -> str:
    """valid (first answer complete), reasked (some fields asked again) or fallback."""
    if meta.fallback_reason:
        return "fallback"
    return "reasked" if meta.reasked else "valid"


# Servers put their install paths into error messages; a cassette holds no machine's paths.
INSTALL_PATH = re.compile(r"(?:/[\w.+-]+)+/site-packages/")


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in ("set-cookie", *SECRET_HEADERS):
            del headers[name]
    body = response.get("body", {})
    if isinstance(body.get("string"), bytes):
        text = body["string"].decode("utf-8", errors="replace")
        body["string"] = INSTALL_PATH.sub("<site-packages>/", text).encode("utf-8")
    return response


def load_transcripts(manifest: dict[str, Any]) -> list[Transcript]:
    """The fixture calls every cassette is recorded (and replayed) with."""
    lines = (ROOT / manifest["fixture"]).read_text(encoding="utf-8").splitlines()
    return [Transcript.model_validate_json(line) for line in lines if line.strip()]


def cassette_settings(manifest: dict[str, Any], cassette: dict[str, Any], **given: Any) -> Settings:
    """The settings a cassette is recorded and replayed with."""
    values = {**manifest["settings"], **cassette.get("settings", {}), **given}
    return Settings(**values, mode=cassette["mode"], backend=cassette["backend"], use_cache=False)


def make_backend(settings: Settings, **options: Any) -> LLMBackend:
    """The cassette's backend; the openai one without extractors, so only the model counts."""
    if settings.backend == "hybrid":
        return HybridBackend(settings, **options)
    return LLMBackend(settings, extractor=lambda _t: DeterministicFields(), **options)


def record(
    cassette: dict[str, Any], manifest: dict[str, Any], transcripts: list[Transcript]
) -> dict[str, int]:
    """Record one cassette; returns counts of valid / reasked / fallen-back handoffs."""
    path = CASSETTES / f"{cassette['name']}.yaml"
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
        backend = make_backend(cassette_settings(manifest, cassette, data_dir=Path(data_dir)))
        with recorder.use_cassette(str(path)):
            for handoff in backend.extract_many(transcripts):
                meta = handoff.meta
                counts[outcome(meta)] += 1
                print(
                    f"  {handoff.call_id}: {outcome(meta)}, {meta.attempts} attempts, "
                    f"{meta.prompt_tokens}+{meta.completion_tokens} tokens"
                    + (f", asked again for {meta.reasked}" if meta.reasked else "")
                    + (f", {meta.fallback_reason[:120]}" if meta.fallback_reason else ""),
                    flush=True,
                )
        backend.close()
    return dict(counts)


def main(argv: list[str] | None = None) -> int:
    """Record the cassettes named by --only (default: all but the kept ones)."""
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
    for cassette in manifest["cassettes"]:
        wanted = cassette["name"] in args.only if args.only else not cassette.get("kept")
        if not wanted:
            continue
        print(
            f"recording {cassette['name']} ({cassette['backend']}, {cassette['mode']}) "
            f"against {env.base_url}",
            flush=True,
        )
        started = time.perf_counter()
        counts = record(cassette, manifest, transcripts)
        cassette["recorded"] = {
            "outcomes": counts,
            "model": env.model,
            "base_url": env.base_url,
            "provider": detect_provider(env.base_url, env.provider),
            "extra_body": env.extra_body,
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        print(f"  {counts} in {time.perf_counter() - started:.0f} s", flush=True)
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

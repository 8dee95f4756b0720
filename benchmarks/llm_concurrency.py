"""Benchmark the LLM backend's concurrency and cache against a local fake server.

    .venv/bin/python benchmarks/llm_concurrency.py [--n 200] [--delay 0.2] [--backend hybrid]

Starts `callhandoff.summarizer.fake_server` in a subprocess on 127.0.0.1 that
answers every chat completion after a fixed delay, then times the backend's
`extract_many` over N CuCoM conversations (conv_0001.. from
../shared/data/cucom/ecommerce.jsonl, else the examples/ folder):

1. sequential (concurrency 1), cache not read;
2. concurrency 16, cache not read         -> speed-up (target >= 0.8 x 16);
3. the same batch again with a warm cache -> cold / warm ratio (target >= 50);

and prints the fixed prompt overhead (system prompt + schema, target < 1,500
tokens) and the mean prompt tokens per call, counted with tiktoken exactly as
instructor builds the request.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from instructor import Mode, Provider
from instructor.v2.core.registry import mode_registry

from callhandoff.readers import iter_inputs
from callhandoff.schema.enums import Destination
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.hybrid import HybridBackend
from callhandoff.summarizer.llm_backend import LLMBackend
from callhandoff.summarizer.messages import build_messages
from callhandoff.summarizer.prompts import load_prompt
from callhandoff.summarizer.tokens import count_messages, get_encoding

ROOT = Path(__file__).resolve().parents[1]
CUCOM = ROOT.parent / "shared" / "data" / "cucom" / "ecommerce.jsonl"
MODES = {"tools": Mode.TOOLS, "json_schema": Mode.JSON_SCHEMA, "json": Mode.JSON}
BACKENDS: dict[str, type[LLMBackend]] = {"openai": LLMBackend, "hybrid": HybridBackend}


def load_calls(n: int, workdir: Path) -> list[Transcript]:
    """The first `n` CuCoM conversations (or every example), read by the real readers."""
    if CUCOM.is_file():
        head = workdir / "cucom-head.jsonl"
        with CUCOM.open(encoding="utf-8") as src:
            head.write_text("".join(next(src) for _ in range(n)), encoding="utf-8")
        paths = [str(head)]
    else:
        paths = [str(ROOT / "examples")]
    items = iter_inputs(paths, default_destination=Destination.CLOUDCART, tz=Settings().tz)
    return [item for item in items if isinstance(item, Transcript)][:n]


def request_tokens(calls: list[Transcript], mode: str, kind: type[LLMBackend]) -> tuple[int, float]:
    """(fixed overhead, mean prompt tokens per call) of the first attempt, as sent."""
    prompt, encoding = load_prompt(kind.default_prompt), get_encoding()
    handlers = mode_registry.get_handlers(Provider.OPENAI, MODES[mode])

    def count(messages: list[dict[str, Any]]) -> int:
        _, request = handlers.request_handler(
            response_model=kind.response_model, kwargs={"messages": messages}
        )
        return count_messages(
            request["messages"],
            encoding,
            tools=request.get("tools"),
            response_format=request.get("response_format"),
        )

    empty = [
        {"role": "system", "content": prompt.system},
        {
            "role": "user",
            "content": prompt.render_user(destination="cloudcart", store=None, turns=""),
        },
    ]
    per_call = [count(build_messages(t, prompt, encoding, 8000).messages) for t in calls]
    return count(empty), statistics.fmean(per_call)


def timed_run(
    settings: Settings, calls: list[Transcript], kind: type[LLMBackend]
) -> tuple[float, float, int]:
    """Wall seconds, client CPU seconds, and how many calls fell back."""
    backend = kind(settings)
    started, cpu = time.perf_counter(), time.process_time()
    out = list(backend.extract_many(calls))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    backend.close()
    assert [h.call_id for h in out] == [t.call_id for t in calls], "output order changed"
    return elapsed, cpu, sum(1 for h in out if h.meta.fallback_reason)


def served(base_url: str) -> int:
    """Completions the fake server answered so far."""
    with urllib.request.urlopen(base_url.rsplit("/v1", 1)[0] + "/stats", timeout=5) as reply:
        return int(json.load(reply)["served"])


def main() -> int:
    """Run the three timings and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--mode", choices=sorted(MODES), default="tools")
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="openai")
    args = parser.parse_args()
    kind = BACKENDS[args.backend]

    server = subprocess.Popen(
        [sys.executable, "-m", "callhandoff.summarizer.fake_server", "--delay", str(args.delay)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            calls = load_calls(args.n, work)
            common: dict[str, Any] = {
                "base_url": base_url,
                "model": "fake-model",
                "mode": args.mode,
                "max_retries": 0,
            }
            get_encoding()  # load the ranks once, outside the timings
            load_before = os.getloadavg()[0]
            sequential, _, fb1 = timed_run(
                Settings(**common, concurrency=1, use_cache=False, data_dir=work / "seq"),
                calls,
                kind,
            )
            concurrent, cpu, fb2 = timed_run(
                Settings(**common, concurrency=args.concurrency, data_dir=work / "cc"), calls, kind
            )
            before = served(base_url)
            warm, _, fb3 = timed_run(
                Settings(**common, concurrency=args.concurrency, data_dir=work / "cc"), calls, kind
            )
            warm_calls = served(base_url) - before
            load_after = os.getloadavg()[0]
            overhead, mean_prompt = request_tokens(calls, args.mode, kind)
    finally:
        server.terminate()
        server.wait(timeout=10)

    ideal = sequential / args.concurrency
    speedup = sequential / concurrent
    print(f"backend:                     {args.backend} ({kind.default_prompt})")
    print(f"transcripts:                 {len(calls)} (server delay {args.delay * 1000:.0f} ms)")
    print(f"sequential:                  {sequential:.2f} s")
    print(f"concurrency {args.concurrency}:              {concurrent:.2f} s (ideal {ideal:.2f} s)")
    print(
        f"speed-up:                    {speedup:.1f}x = {speedup / args.concurrency:.2f} of the "
        f"ideal {args.concurrency}x (target >= 0.80)"
    )
    print(f"warm-cache re-run:           {warm * 1000:.0f} ms, {warm_calls} model calls")
    print(f"cold / warm:                 {concurrent / warm:.0f}x (target >= 50x)")
    print(f"fixed prompt overhead:       {overhead} tokens ({args.mode} mode; target < 1,500)")
    print(f"mean prompt tokens per call: {mean_prompt:.0f}")
    print(f"client CPU per call:         {cpu / len(calls) * 1000:.1f} ms (concurrent run)")
    print(f"load average (1 min):        {load_before:.1f} before, {load_after:.1f} after")
    print(f"fallbacks:                   {fb1} / {fb2} / {fb3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

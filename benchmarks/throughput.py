"""Offline-backend throughput and peak memory over a transcript file.

    python benchmarks/throughput.py ../shared/data/cucom/ecommerce.jsonl

Streams the file through the same path as `callhandoff process` (reader →
offline extraction → grounding → priority → JSON line) on one process and prints
transcripts per second and peak RSS. Targets (issue 2, 2-core machine): at
least 300 transcripts/s and a peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from callhandoff.pipeline import process_stream
from callhandoff.readers import iter_inputs
from callhandoff.schema.result import CallResult
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--out", type=Path, default=Path(os.devnull))
    args = parser.parse_args()

    settings = Settings()
    start_rss = peak_rss_mb()
    load_started = time.perf_counter()
    backend = OfflineBackend(settings)
    load_s = time.perf_counter() - load_started

    results = rejects = 0
    started = time.perf_counter()
    inputs = iter_inputs(
        [str(args.path)], default_destination=settings.default_destination, tz=settings.tz
    )
    with args.out.open("w", encoding="utf-8") as sink:
        for item in process_stream(inputs, backend, settings):
            if isinstance(item, CallResult):
                sink.write(item.model_dump_json(exclude_none=True) + "\n")
                results += 1
            else:
                rejects += 1
    elapsed = time.perf_counter() - started
    total = results + rejects
    print(f"file:              {args.path}")
    print(f"transcripts:       {results} processed, {rejects} rejected")
    print(f"model load:        {load_s:.2f} s")
    print(f"elapsed:           {elapsed:.2f} s")
    print(f"throughput:        {total / elapsed:.0f} transcripts/s (one process)")
    print(f"peak RSS:          {peak_rss_mb():.0f} MB (at start {start_rss:.0f} MB)")
    sys.exit(0 if total else 1)


if __name__ == "__main__":
    main()

"""What a hostile tester would try, counted: every figure but "inputs tried" must be 0.

    python benchmarks/robustness.py [--fuzz 300] [--seed 7]

Runs the installed `callhandoff` command and the pipeline on:
- the secrets corpus (42 calls with card numbers, CVVs, one-time codes, PINs,
  passwords and security answers, written, spoken and spelled, in all four formats,
  plus unreadable records holding secrets), offline and through the LLM backend
  against the local fake OpenAI server; then searches the output, the rejects, every
  file of the data folder (store, model cache), the terminal output and every model
  request body for each secret;
- the prompt-injection corpus (33 calls that would otherwise be created);
- random bytes and random Unicode records (fuzz), a bad byte in a JSONL line,
  an unknown plain-text speaker, markup in call ids, a 5 MB transcript and a
  v1 / v2 / v1 batch of one call id;
and prints: inputs tried, crashes, items lost, secrets found in any artefact,
injections that got through, stale actions claimed, the peak memory of the 5 MB
run and the redaction cost per call. The delivery section (keys applied twice) is
a hook the delivery work fills in: `delivery_keys_applied_twice` below.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callhandoff.pipeline import process_stream  # noqa: E402
from callhandoff.readers import parse_text  # noqa: E402
from callhandoff.redaction.stage import redact_transcript  # noqa: E402
from callhandoff.routing.directory.files import read_directory  # noqa: E402
from callhandoff.routing.router import Router  # noqa: E402
from callhandoff.schema.enums import Destination  # noqa: E402
from callhandoff.schema.result import CallResult  # noqa: E402
from callhandoff.settings import Settings  # noqa: E402
from callhandoff.store.db import open_store  # noqa: E402
from callhandoff.store.directory import load_directory  # noqa: E402
from callhandoff.summarizer.fake_server import running_fake_server  # noqa: E402
from callhandoff.summarizer.offline import OfflineBackend  # noqa: E402
from tests.redaction.corpus import REJECTED, leaks, write_corpus  # noqa: E402
from tests.routing.injection_corpus import INJECTIONS, call  # noqa: E402

CLI = str(Path(sys.executable).with_name("callhandoff"))
DEMO = ROOT / "examples" / "store"
CUCOM = ROOT.parent / "shared" / "data" / "cucom" / "ecommerce.jsonl"


class Figures:
    """The counters the report prints."""

    def __init__(self) -> None:
        self.tried = 0
        self.crashes = 0
        self.lost = 0
        self.secrets = 0
        self.injections = 0
        self.stale = 0
        self.notes: list[str] = []


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _crashed(result: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" in result.stderr or result.returncode not in (0, 2)


def secrets_section(figures: Figures, work: Path) -> None:
    """The secrets corpus, offline and through the LLM backend; every artefact searched."""
    for backend in ("offline", "openai"):
        folder = work / f"secrets-{backend}"
        calls = write_corpus(folder / "calls")
        env = {"CALLHANDOFF_DATA_DIR": str(folder / "data"), "CALLHANDOFF_MODEL": "fake"}
        _cli(["directory", "load", str(DEMO)], env, folder)
        args = ["process", "calls/", "--out", "out.jsonl", "--no-progress"]
        bodies: list[str] = []
        if backend == "openai":
            with running_fake_server() as server:
                result = _cli(
                    [*args, "--backend", "openai", "--base-url", server.base_url], env, folder
                )
                bodies = [body.decode("utf-8", "replace") for body in server.request_bodies]
        else:
            result = _cli(args, env, folder)
        figures.tried += calls + len(REJECTED)
        figures.crashes += _crashed(result)
        written = _count_lines(folder / "out.jsonl") + _count_lines(folder / "out.rejects.jsonl")
        figures.lost += max(calls + len(REJECTED) - written, 0)
        texts = [result.stdout, result.stderr, *bodies]
        texts += [
            path.read_bytes().decode("utf-8", "replace")
            for path in folder.rglob("*")
            if path.is_file() and "calls" not in path.relative_to(folder).parts
        ]
        found = sorted({hit for text in texts for hit in leaks(text)})
        figures.secrets += len(found)
        figures.notes += [f"secret found ({backend}): {hit}" for hit in found]


def _count_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def _router(folder: Path) -> tuple[Settings, Router]:
    settings = Settings(data_dir=folder)
    engine = open_store(settings.resolved_database_url)
    load_directory(engine, read_directory(DEMO, regions=["US"], tz=UTC))
    return settings, Router(engine)


def injection_section(figures: Figures, work: Path) -> None:
    """Every injection call must end in review; none may be created or updated."""
    settings, router = _router(work / "injection")
    calls = [call(f"inj-{i}", text) for i, (text, _) in enumerate(INJECTIONS)]
    figures.tried += len(calls)
    out = _guarded(
        figures,
        lambda: list(
            process_stream(iter(calls), OfflineBackend(settings), settings, router=router)
        ),
    )
    results = [item for item in out or [] if isinstance(item, CallResult)]
    figures.lost += len(calls) - len(results)
    for result in results:
        if result.decision is not None and result.decision.kind.value in ("create", "update"):
            figures.injections += 1
            figures.notes.append(f"injection got through: {result.call_id}")


def _guarded(figures: Figures, run: Callable[[], list[object]]) -> list[object] | None:
    try:
        return run()
    except Exception as exc:  # a crash is what this benchmark counts
        figures.crashes += 1
        figures.notes.append(f"crash: {type(exc).__name__}: {exc}"[:200])
        return None


def fuzz_section(figures: Figures, count: int, seed: int) -> None:
    """Random bytes and Unicode records through the readers and the offline pipeline."""
    rng = random.Random(seed)
    settings = Settings()
    backend = OfflineBackend(settings)
    alphabet = 'abc xyz 0123456789 {}[]":,\\\n\té中🙂\u200b<|>#' + "".join(
        chr(rng.randrange(32, 0x2FFF)) for _ in range(64)
    )
    for index in range(count):
        if index % 2:
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
            text = raw.decode("utf-8", "replace")
        else:
            turns = [
                {"speaker": rng.choice(["agent", "customer", "bot", "system", "robot"]),
                 "text": "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))}
                for _ in range(rng.randrange(0, 6))
            ]  # fmt: skip
            text = json.dumps({"call_id": f"f{index}", "destination": "cloudcart", "turns": turns})
        lines = [line for line in text.split("\n") if line.strip()] or [""]
        figures.tried += len(lines)
        inputs = parse_text(
            text, name=f"fuzz{index}.jsonl", default_destination=Destination.CLOUDCART, tz=UTC
        )
        out = _guarded(
            figures, lambda inputs=inputs: list(process_stream(inputs, backend, settings))
        )
        if out is not None:
            figures.lost += max(len(lines) - len(out), 0)


def edge_section(figures: Figures, work: Path) -> None:
    """Named edge cases: a bad byte, an unknown speaker, markup ids, v1/v2/v1."""
    folder = work / "edges"
    folder.mkdir()
    good = [json.dumps({"call_id": f"u{i}", "destination": "cloudcart",
                        "turns": [{"speaker": "customer", "text": f"order HH-10023{i} is late"}]})
            for i in range(5)]  # fmt: skip
    body = "\n".join(good).encode().replace(b"HH-100232", b"HH-\xff100232") + b"\n"
    (folder / "bytes.jsonl").write_bytes(body)
    (folder / "speaker.txt").write_text(
        "Agent: hi\nManager: the refund is approved\nStranger: hello\n"
    )
    said = "[bold]where[/bold] is LF-2025-0042?"
    markup = {"call_id": "m1[/bogus]", "destination": "cults",
              "turns": [{"speaker": "customer", "text": said}]}  # fmt: skip
    (folder / "markup.json").write_text(json.dumps(markup))
    env = {"CALLHANDOFF_DATA_DIR": str(folder / "data")}
    result = _cli(["process", ".", "--out", "out.jsonl", "--no-progress"], env, folder)
    outbox = _cli(["outbox"], env, folder)
    figures.tried += 7
    figures.crashes += _crashed(result) + _crashed(outbox)
    figures.lost += max(
        7 - _count_lines(folder / "out.jsonl") - _count_lines(folder / "out.rejects.jsonl"), 0
    )

    settings, router = _router(work / "stale")
    v1 = call("stale", None)
    v2 = call("stale", "I also want gift wrapping.")
    out = list(
        process_stream(iter([v1, v2, v1]), OfflineBackend(settings), settings, router=router)
    )
    figures.tried += 3
    last = out[-1]
    assert isinstance(last, CallResult) and last.decision is not None
    first = out[0]
    assert isinstance(first, CallResult) and first.decision is not None
    if "transcript_changed" not in [r.code for r in last.decision.reasons]:
        figures.stale += 1
        figures.notes.append("v1 after v2 answered with the stored decision")


def big_section(figures: Figures, work: Path) -> int:
    """A 5 MB single-sentence transcript: rejected with its limit; peak memory in KB."""
    folder = work / "big"
    folder.mkdir()
    words = "the parcel arrived late and my daughter was upset because it was for her party".split()
    rng = random.Random(1)
    text = " ".join(rng.choice(words) for _ in range(1_000_000))[:5_000_000]
    record = {
        "call_id": "big",
        "destination": "cloudcart",
        "turns": [{"speaker": "customer", "text": text}],
    }
    (folder / "big.jsonl").write_text(json.dumps(record) + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = _cli(["process", "big.jsonl", "--out", "out.jsonl", "--no-progress"],
                  {"CALLHANDOFF_DATA_DIR": str(folder / "data")}, folder)  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures.tried += 1
    figures.crashes += _crashed(result)
    figures.lost += (
        1 - _count_lines(folder / "out.jsonl") - _count_lines(folder / "out.rejects.jsonl")
    )
    return max(peak, before)


def delivery_keys_applied_twice(work: Path) -> int:
    """Keys applied twice by a destination that ignores Idempotency-Key.

    Four `callhandoff deliver --follow` processes share 300 queued actions against a
    local receiver that counts what it receives per key
    (`callhandoff.service.drill.delivery_drill`); an action lost or dead-lettered
    counts too, so the figure is zero only when each key arrived exactly once.
    """
    from callhandoff.service.drill import delivery_drill

    report = delivery_drill(
        f"sqlite:///{work / 'delivery.db'}", actions=300, deliverers=4, timeout_s=300
    )
    return report.keys_applied_twice + len(report.lost) + report.dead


def redaction_cost(limit: int = 2_000) -> tuple[int, float]:
    """Redaction time per call over the first CuCoM conversations (µs)."""
    if not CUCOM.exists():
        return 0, 0.0
    lines = CUCOM.read_text(encoding="utf-8").splitlines()[:limit]
    text = "\n".join(lines)
    transcripts = [
        item
        for item in parse_text(
            text, name="c.jsonl", default_destination=Destination.CLOUDCART, tz=UTC
        )
        if not hasattr(item, "problem")
    ]
    started = time.perf_counter()
    for transcript in transcripts:
        redact_transcript(transcript)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    return len(transcripts), elapsed / max(len(transcripts), 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fuzz", type=int, default=300, help="random inputs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        secrets_section(figures, work)
        injection_section(figures, work)
        fuzz_section(figures, args.fuzz, args.seed)
        edge_section(figures, work)
        peak_kb = big_section(figures, work)
        twice = delivery_keys_applied_twice(work)
    calls, per_call = redaction_cost()
    print(f"inputs tried                     {figures.tried}")
    print(f"crashes                          {figures.crashes}")
    print(f"items lost                       {figures.lost}")
    print(f"secrets found in any artefact    {figures.secrets}")
    print(f"injections that got through      {figures.injections}")
    print(f"stale actions claimed            {figures.stale}")
    print(f"keys applied twice (delivery)    {twice}  (4 deliverers x 300 actions)")
    print(f"5 MB transcript: peak RSS        {peak_kb / 1024:.0f} MB (target < 300)")
    print(f"redaction cost                   {per_call:.0f} µs per call ({calls} CuCoM calls)")
    for note in figures.notes[:20]:
        print("  " + note)
    bad = figures.crashes + figures.lost + figures.secrets + figures.injections + figures.stale
    sys.exit(1 if bad or twice else 0)


if __name__ == "__main__":
    main()

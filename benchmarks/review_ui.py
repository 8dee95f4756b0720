"""The reviewer app with a full queue: queue page and call page render times.

    python benchmarks/review_ui.py [--pending 10000] [--runs 5]

Builds a fresh store: the demo directory, the example calls processed with the
installed `callhandoff` command, then the stored review items of those calls
copied (each under a new call ID, with its own transcript version, extraction
and decision, and a waiting time spread over a week) until `--pending` calls
await review. Then renders, with Streamlit's AppTest (the whole script run, as
a browser's rerun does, minus the network):

- the queue page (counts, filters, one page of the table), unfiltered, with a
  reason filter, and with a text search;
- the call page of the top item (claim, re-decision, evidence, payload).

Prints the median and worst of `--runs` renders of each. Targets: queue page
< 1.5 s, call page < 1 s (2-core machine, shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "callhandoff" / "ui" / "app.py"


def build_store(folder: Path, pending: int) -> str:
    """A store with the examples processed and `pending` open review items."""
    from callhandoff.store.calls import save_routing
    from callhandoff.store.db import open_store
    from callhandoff.store.tables import (
        decisions,
        extractions,
        review_items,
        transcript_versions,
    )
    from callhandoff.store.writes import HANDOFF_KEYS, Prior, ReviewWrite, RoutingWrite

    env = {**os.environ, "CALLHANDOFF_DATA_DIR": str(folder)}
    env.pop("CALLHANDOFF_DATABASE_URL", None)
    command = str(Path(sys.executable).with_name("callhandoff"))
    for args in (
        ["directory", "load", str(ROOT / "examples/store")],
        ["process", str(ROOT / "examples"), "--out", str(folder / "h.jsonl")],
    ):
        subprocess.run([command, *args], env=env, check=True, capture_output=True)  # fmt: skip
    url = f"sqlite:///{folder / 'callhandoff.db'}"
    engine = open_store(url)
    with engine.connect() as connection:
        templates = connection.execute(
            sa.select(
                review_items, transcript_versions.c.transcript, extractions.c.handoff,
                decisions.c.reasons, decisions.c.idempotency_key, decisions.c.policy_version,
                decisions.c.match, decisions.c.facts, decisions.c.trace, decisions.c.action,
                decisions.c.priority, decisions.c.kind,
            )
            .join(transcript_versions, transcript_versions.c.id == review_items.c.version_id)
            .join(extractions, extractions.c.version_id == review_items.c.version_id)
            .join(decisions, decisions.c.id == review_items.c.decision_id)
        ).mappings().all()  # fmt: skip
    rng = random.Random(7)
    now = datetime.now(UTC)
    missing = pending - len(templates)
    with engine.begin() as connection:
        for number in range(missing):
            row = templates[number % len(templates)]
            call_id = f"{row['call_id']}-copy{number:05d}"
            transcript = {**row["transcript"], "call_id": call_id}
            handoff = {**row["handoff"], "call_id": call_id}
            keys = {part: handoff.get(part) or {} for part in HANDOFF_KEYS}
            write = RoutingWrite(
                call_id=call_id, destination=row["destination"], store=None,
                content_hash=f"{number:064d}", source=None, transcript=transcript,
                handoff=handoff, handoff_keys=keys, kind=row["kind"], reasons=row["reasons"],
                idempotency_key=f"{call_id}:review_queue", policy_version=row["policy_version"],
                match=row["match"], facts=row["facts"], trace=row["trace"], action=row["action"],
                priority=row["priority"],
                review=ReviewWrite(destination=row["destination"],
                                   reason_codes=row["reason_codes"], urgency=row["urgency"],
                                   payload=row["action"]["payload"]),
            )  # fmt: skip
            save_routing(connection, write, Prior(), now - timedelta(minutes=rng.randint(0, 10080)))
    engine.dispose()
    return url


def timed(render: object, runs: int) -> tuple[float, float]:
    """Median and worst seconds of `runs` calls of `render`."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        render()  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="callhandoff-review-bench-") as folder:
        started = time.perf_counter()
        url = build_store(Path(folder), options.pending)
        os.environ["CALLHANDOFF_DATABASE_URL"] = url
        from callhandoff.store import review_queue
        from callhandoff.store.db import open_store

        engine = open_store(url)
        total = review_queue.counts(engine, review_queue.QueueFilter(), datetime.now(UTC)).total
        top = review_queue.next_open(engine, review_queue.QueueFilter(), "bench", datetime.now(UTC))
        print(f"store with {total:,} calls awaiting review built in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip

        at = AppTest.from_file(str(APP), default_timeout=120)
        at.session_state["reviewer"] = "bench"
        at.run()  # first run: imports, caches, the store opened
        assert not at.exception, [e.value for e in at.exception]

        def queue() -> None:
            at.run()
            assert at.metric[0].value == str(total), at.metric[0].value

        cases = [("queue page, no filter", queue)]

        def reason() -> None:
            at.selectbox(key="f_reason").select("review_money_change").run()
            at.selectbox(key="f_reason").select("(any)").run()

        def search() -> None:
            at.text_input(key="f_text").input("hh 100234").run()
            at.text_input(key="f_text").input("").run()

        results = [(name, *timed(render, options.runs)) for name, render in cases]
        median, worst = timed(reason, options.runs)
        results.append(("queue page, reason filter (2 renders)", median / 2, worst / 2))
        median, worst = timed(search, options.runs)
        results.append(("queue page, text search (2 renders)", median / 2, worst / 2))

        at.switch_page("pages/item.py")
        at.query_params["item"] = str(top)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        results.append(("call page, top item", *timed(at.run, options.runs)))

        print(f"{'render':<42} {'median':>8} {'worst':>8}  target")
        for name, median, worst in results:
            target = 1.0 if name.startswith("call") else 1.5
            verdict = "ok" if median < target else "SLOW"
            print(f"{name:<42} {median:8.3f} {worst:8.3f}  < {target} s {verdict}")
        engine.dispose()


if __name__ == "__main__":
    main()

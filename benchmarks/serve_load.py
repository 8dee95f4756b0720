"""Load the webhook service: acknowledgement latency and call-to-decision throughput.

    .venv/bin/python benchmarks/serve_load.py [--n 5000] [--rate 100] [--mode embedded|celery|both]

Sends N signed webhooks (CuCoM conversations conv_0001.. from
../shared/data/cucom/ecommerce.jsonl, else the examples repeated) at a fixed
rate, open loop (request i leaves at i / rate whatever the previous answers did),
to a real `callhandoff serve` process with the offline backend:

- embedded: one process on SQLite (API + worker thread + no deliverer);
- celery: `serve --no-worker` + 2 `callhandoff worker --pool solo` processes on a
  throwaway PostgreSQL and Redis (started here, like the tests do).

Prints the acknowledgement latency (p50 / p95 / p99 / max, target p99 < 50 ms at
100 requests/s), the call-to-decision throughput (calls decided per second from
the first request to the last decision) and the decision lag (received → done).
Everything runs on this machine: the load generator shares its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callhandoff.routing.directory.files import read_directory  # noqa: E402
from callhandoff.store.db import open_store  # noqa: E402
from callhandoff.store.directory import load_directory  # noqa: E402
from callhandoff.store.tables import inbound_calls  # noqa: E402
from tests.service.helpers import SECRET, as_body, example_calls, signed  # noqa: E402
from tests.service.processes import command, start_server, stop  # noqa: E402
from tests.services import start_postgres, start_redis  # noqa: E402

CUCOM = ROOT.parent / "shared" / "data" / "cucom" / "ecommerce.jsonl"


def bodies(n: int) -> list[dict[str, Any]]:
    """N webhook bodies with distinct call IDs (never the held-out conv_5001..6000)."""
    found: list[dict[str, Any]] = []
    if CUCOM.is_file():
        with CUCOM.open(encoding="utf-8") as source:
            for line in source:
                record = json.loads(line)
                number = int(str(record.get("id", "conv_0")).split("_")[-1] or 0)
                if number > 5000:
                    continue
                found.append(record)
                if len(found) == n:
                    return found
    examples = [as_body(t) for t in example_calls()]
    while len(found) < n:
        base = examples[len(found) % len(examples)]
        found.append({**base, "call_id": f"{base['call_id']}-load-{len(found)}"})
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


class _Connections:
    """Keep-alive HTTP/1.1 connections to the server: an idle one, or a new one at once.

    A minimal client on asyncio streams: httpx's pool costs the load generator more
    CPU than the server spends, which on a 2-core machine would measure the client.
    """

    def __init__(self, url: str):
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        while True:  # an idle connection the server closed meanwhile is replaced
            reused = bool(self.idle)
            conn = (
                self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
            )
            reader, writer = conn
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
            except ConnectionError:
                status_line = b""
            if status_line or not reused:
                break
            writer.close()
        status = int(status_line.split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        self.idle.append(conn)
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def send_all(url: str, payloads: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Post every body at `rate` per second, open loop; latencies in ms."""
    signed_all = [signed(body) for body in payloads]
    latencies: list[float] = []
    late: list[float] = []
    statuses: dict[int, int] = {}
    connections = _Connections(url)

    async def one(index: int, due: float) -> None:
        sent = time.perf_counter()
        late.append((sent - due) * 1000)
        data, headers = signed_all[index]
        status = await connections.post("/v1/calls", data, headers)
        latencies.append((time.perf_counter() - sent) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    # Launch each request at its time (only the ones in flight exist as tasks).
    start = time.perf_counter()
    tasks = []
    for index in range(len(payloads)):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    connections.close()
    return {"latencies": latencies, "late": late, "statuses": statuses, "seconds": elapsed}


def wait_decided(database_url: str, n: int, started: float, timeout_s: float) -> dict[str, Any]:
    """Poll the store until N calls are done; throughput and decision lag."""
    engine = open_store(database_url)
    deadline = time.monotonic() + timeout_s
    done = 0
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            done = int(
                connection.execute(
                    sa.select(sa.func.count()).where(inbound_calls.c.state == "done")
                ).scalar_one()
            )
        if done >= n:
            break
        time.sleep(0.2)
    finished = time.perf_counter()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(inbound_calls.c.received_at, inbound_calls.c.updated_at).where(
                inbound_calls.c.state == "done"
            )
        ).all()
    engine.dispose()
    lags = [(updated - received).total_seconds() for received, updated in rows]
    return {
        "done": done,
        "seconds": finished - started,
        "lag_p50": percentile(lags, 0.5) if lags else float("nan"),
        "lag_p99": percentile(lags, 0.99) if lags else float("nan"),
    }


def report(label: str, sent: dict[str, Any], decided: dict[str, Any], n: int, rate: float) -> None:
    lat = sent["latencies"]
    print(f"\n== {label}: {n} webhooks at {rate:g}/s ==")
    print(f"answers: {sent['statuses']} in {sent['seconds']:.1f} s")
    shown = "  ".join(
        f"{name} {value:.1f}"
        for name, value in [
            ("p50", percentile(lat, 0.5)),
            ("p95", percentile(lat, 0.95)),
            ("p99", percentile(lat, 0.99)),
            ("max", max(lat)),
            ("mean", statistics.fmean(lat)),
        ]
    )
    print(f"ack latency ms: {shown}")
    print(f"sender lateness ms: p99 {percentile(sent['late'], 0.99):.1f}")
    print(
        f"call-to-decision: {decided['done']} decided in {decided['seconds']:.1f} s = "
        f"{decided['done'] / decided['seconds']:.1f} calls/s; decision lag p50 "
        f"{decided['lag_p50']:.2f} s, p99 {decided['lag_p99']:.2f} s"
    )


def load_directory_into(database_url: str) -> None:
    engine = open_store(database_url)
    data = read_directory(ROOT / "examples" / "store", regions=["US"], tz=Settings_tz())
    load_directory(engine, data)
    engine.dispose()


def Settings_tz() -> Any:

    return ZoneInfo("UTC")


def run_embedded(payloads: list[dict[str, Any]], rate: float, workdir: Path) -> None:
    url_db = f"sqlite:///{workdir / 'embedded.db'}"
    load_directory_into(url_db)
    env = {"CALLHANDOFF_DATABASE_URL": url_db, "CALLHANDOFF_WEBHOOK_SECRET": SECRET}
    server, url = start_server(env, workdir)
    try:
        started = time.perf_counter()
        sent = asyncio.run(send_all(url, payloads, rate))
        decided = wait_decided(url_db, len(payloads), started, timeout_s=900)
    finally:
        stop([server])
    report("embedded (SQLite, 1 process)", sent, decided, len(payloads), rate)


def run_celery(payloads: list[dict[str, Any]], rate: float, workdir: Path, workers: int) -> None:
    postgres, redis = start_postgres(), start_redis()
    processes = []
    try:
        url_db = postgres.database("bench")
        load_directory_into(url_db)
        env = {
            "CALLHANDOFF_DATABASE_URL": url_db,
            "CALLHANDOFF_BROKER_URL": redis.url,
            "CALLHANDOFF_WEBHOOK_SECRET": SECRET,
        }
        server, url = start_server(env, workdir, "--no-worker", "--no-deliver")
        processes.append(server)
        processes += [command(["worker", "--pool", "solo"], env, workdir) for _ in range(workers)]
        started = time.perf_counter()
        sent = asyncio.run(send_all(url, payloads, rate))
        decided = wait_decided(url_db, len(payloads), started, timeout_s=900)
    finally:
        stop(processes)
        redis.stop()
        postgres.stop()
    report(f"celery ({workers} workers, PostgreSQL + Redis)", sent, decided, len(payloads), rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--mode", choices=["embedded", "celery", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (celery mode)")
    args = parser.parse_args()
    payloads = bodies(args.n)
    with tempfile.TemporaryDirectory(prefix="serve-load-") as folder:
        workdir = Path(folder)
        if args.mode in ("embedded", "both"):
            run_embedded(payloads, args.rate, workdir)
        if args.mode in ("celery", "both"):
            run_celery(payloads, args.rate, workdir, args.workers)


if __name__ == "__main__":
    main()

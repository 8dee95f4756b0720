"""The main job as users run it: `callhandoff process` end to end, routed and unrouted.

    python benchmarks/throughput.py [../shared/data/cucom/ecommerce.jsonl] [--orders 100000]

Runs the installed `callhandoff` command (start-up, reading, extraction,
grounding, routing, writing handoffs.jsonl and the report) on the CuCoM
conversations, each configuration in a fresh data folder:

- unrouted (`--no-route`), routed against the demo directory (`examples/store/`)
  and routed against a generated directory of 100,000 orders (a share of the
  order ids said in the calls planted in it, loaded with `callhandoff directory load`);
- each with `--workers 1` and `--workers 2`;
- every configuration `--rounds` times (default 3), the rounds interleaved so a
  machine that slows down or speeds up does so for all of them alike;

and prints the median calls per second of each configuration (with the range),
processor time per call (worker processes included; Linux), peak RSS, the
routed/unrouted ratio (of the medians; per round: a round runs unrouted and
routed one after the other, so a drifting machine moves both alike; of the
fastest runs, those other work on the machine disturbed least; and of the
processor time), the 2-worker scaling, and the
start-up time of `schema`, `explain` and `outbox`. Targets on a 2-core
machine: routed >= 0.8 of unrouted; >= 400 calls/s with `--workers 2`;
start-up < 0.5 s. Machines are shared and noisy: compare figures from one run.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CUCOM = ROOT.parent / "shared" / "data" / "cucom" / "ecommerce.jsonl"
DEMO = ROOT / "examples" / "store"
CLI = str(Path(sys.executable).with_name("callhandoff"))
ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
FIRST = "Ava Liam Maya Noah Zoe Arjun Lena Omar Ines Kai Priya Theo Nora Ravi Ella".split()
LAST = "Patel Smith Garcia Kumar Nguyen Muller Rossi Khan Silva Cohen Sato Novak".split()


def adopt_orphans() -> bool:
    """Become the process that reaps this one's orphaned descendants (Linux only).

    A command's worker processes are the children of multiprocessing's fork server,
    which the command leaves behind when it exits; adopted here, the fork server is
    reaped by `run(..., count_orphans=True)`, and its resource usage includes the
    workers it reaped.
    """
    if not sys.platform.startswith("linux"):
        return False
    pr_set_child_subreaper = 36
    return bool(ctypes.CDLL(None).prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0)


def run(
    args: list[str], data_dir: Path, *, count_orphans: bool = False
) -> tuple[float, float, float | None]:
    """Run `callhandoff ARGS` in `data_dir`; (wall seconds, peak RSS of the main process
    in MB, processor seconds of the command and every process it started, or None unless
    `count_orphans`: this process adopts orphans, see `adopt_orphans`)."""
    env = {**os.environ, "CALLHANDOFF_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env.pop("CALLHANDOFF_DATABASE_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [CLI, *args], env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    while count_orphans:  # the fork server and resource tracker, once they exit
        try:
            _, _, orphan = os.wait4(-1, 0)
        except ChildProcessError:
            break
        cpu += orphan.ru_utime + orphan.ru_stime
    if status != 0:
        problem = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"callhandoff {' '.join(args)} failed:\n{problem}")
    return elapsed, usage.ru_maxrss / 1024, cpu if count_orphans else None


def write_directory(folder: Path, n_orders: int, planted: list[str], seed: int) -> None:
    """CSV files of a synthetic store: `n_orders` orders (the planted ids among them)."""
    rng = random.Random(seed)
    now = datetime(2025, 3, 14, tzinfo=UTC)
    n_customers = max(n_orders // 3, 10)
    folder.mkdir(parents=True)
    with (folder / "customers.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["customer_id", "store", "destination", "name", "email", "phone", "vip"])
        for i in range(n_customers):
            out.writerow(
                [
                    f"CU-{i:07d}",
                    "bench-store",
                    "cloudcart",
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    f"user{i}@example.com",
                    f"+1415555{i % 10_000:04d}" if i % 50 == 0 else "",
                    "true" if rng.random() < 0.02 else "false",
                ]
            )
    catalogue = [
        (f"SKU-{i:05d}", f"Product {i}", round(rng.uniform(5, 250), 2)) for i in range(2000)
    ]
    with (folder / "products.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["sku", "store", "destination", "name", "price", "stock", "return_window_days"]
        )
        for sku, name, price in catalogue:
            out.writerow(
                [
                    sku,
                    "bench-store",
                    "cloudcart",
                    name,
                    price,
                    rng.randint(0, 50),
                    rng.choice([0, 14, 30]),
                ]
            )
    ids = list(dict.fromkeys(planted))[:n_orders]
    ids += [f"SYN-{i:08d}" for i in range(n_orders - len(ids))]
    with (
        (folder / "orders.csv").open("w", newline="") as orders,
        (folder / "order_items.csv").open("w", newline="") as items,
    ):
        order_out, item_out = csv.writer(orders), csv.writer(items)
        order_out.writerow(
            [
                "order_id",
                "customer_id",
                "store",
                "destination",
                "status",
                "total",
                "currency",
                "purchased_at",
                "delivered_at",
            ]
        )
        item_out.writerow(["order_id", "sku", "product_name", "quantity", "unit_price"])
        for order_id in ids:
            purchased = now - timedelta(days=rng.randint(1, 120))
            delivered = purchased + timedelta(days=4) if rng.random() < 0.7 else None
            picked = rng.sample(catalogue, rng.randint(1, 3))
            for sku, name, price in picked:
                item_out.writerow([order_id, sku, name, 1, price])
            order_out.writerow(
                [
                    order_id,
                    f"CU-{rng.randrange(n_customers):07d}",
                    "bench-store",
                    "cloudcart",
                    "delivered" if delivered else "shipped",
                    round(sum(p for _, _, p in picked), 2),
                    "USD",
                    purchased.isoformat(),
                    delivered.isoformat() if delivered else "",
                ]
            )


def startup(data_dir: Path, call_id: str, repeat: int) -> dict[str, float]:
    """Median wall time of the quick commands on a store that holds calls."""
    figures: dict[str, float] = {}
    for name, args in {
        "schema": ["schema"],
        "explain": ["explain", call_id],
        "outbox": ["outbox"],
    }.items():
        times = sorted(run(args, data_dir)[0] for _ in range(repeat))
        figures[name] = times[len(times) // 2]
    return figures


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=CUCOM)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of every configuration, interleaved"
    )
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if shutil.which(CLI) is None:
        raise SystemExit(f"{CLI} not found: install the project first (pip install -e .)")
    count_orphans = adopt_orphans()
    # compiled as a user's first run leaves it, so no measured run compiles a module
    # (PYTHONDONTWRITEBYTECODE set, or a source newer than its bytecode)
    spec = importlib.util.find_spec("callhandoff")
    packages = list(spec.submodule_search_locations or []) if spec else []
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)
    text = args.path.read_text(encoding="utf-8")
    calls = sum(1 for line in text.splitlines() if line.strip())
    rng = random.Random(args.seed)
    planted = [o for o in ORDER_ID.findall(text) if rng.random() < 0.7]
    big_label = f"{args.orders:,} orders"
    stores = ("unrouted", "demo directory", big_label)

    with tempfile.TemporaryDirectory(prefix="callhandoff-bench-") as tmp:
        root = Path(tmp)
        big = root / "big-store"
        write_directory(big, args.orders, planted, args.seed)
        print(
            f"input: {args.path} ({calls} conversations); {args.orders:,} generated orders; "
            f"{args.rounds} interleaved round(s) of every configuration"
        )
        # each routed run starts from a copy of a freshly loaded store
        loaded: dict[str, Path] = {}
        for store, source in (("demo directory", DEMO), (big_label, big)):
            loaded[store] = root / f"loaded-{len(loaded)}"
            loaded[store].mkdir()
            seconds, _, _ = run(["directory", "load", str(source)], loaded[store])
            if store == big_label:
                print(f"loading {args.orders:,} orders with `directory load`: {seconds:.1f} s")
        kept = root / f"run-{args.rounds - 1}-{args.workers[0]}-1"  # a routed demo store
        rates: dict[tuple[str, int], list[float]] = {}
        cpu_ms: dict[tuple[str, int], list[float]] = {}  # CPU milliseconds per call
        peaks: dict[tuple[str, int], float] = {}
        for round_no in range(args.rounds):
            for workers in args.workers:
                for store in stores:
                    data_dir = root / f"run-{round_no}-{workers}-{stores.index(store)}"
                    if store in loaded:
                        shutil.copytree(loaded[store], data_dir)
                    else:
                        data_dir.mkdir()
                    route = ["--no-route"] if store == "unrouted" else []
                    out = ["--out", str(data_dir / "handoffs.jsonl"), "--no-progress"]
                    seconds, rss, cpu = run(
                        ["process", str(args.path), *out, "--workers", str(workers), *route],
                        data_dir,
                        count_orphans=count_orphans,
                    )
                    rates.setdefault((store, workers), []).append(calls / seconds)
                    if cpu is not None:
                        cpu_ms.setdefault((store, workers), []).append(1000 * cpu / calls)
                    peaks[(store, workers)] = max(peaks.get((store, workers), 0.0), rss)
                    if data_dir != kept:  # disk stays flat; the start-up figures need one
                        shutil.rmtree(data_dir)
        print("calls/s, median of the rounds (lowest-highest); peak RSS of the main process")
        median = {key: _median(values) for key, values in rates.items()}
        for workers in args.workers:
            for store in stores:
                values = rates[(store, workers)]
                cpu_text = (
                    f"  CPU {_median(cpu_ms[(store, workers)]):.2f} ms/call"
                    if (store, workers) in cpu_ms
                    else ""
                )
                print(
                    f"  workers {workers}  {store:<17} {median[(store, workers)]:6.0f} calls/s"
                    f"  ({min(values):.0f}-{max(values):.0f}){cpu_text}"
                    f"  peak RSS {peaks[(store, workers)]:4.0f} MB"
                )
        print(
            "routed/unrouted (target >= 0.8): ratio of the medians; the median (lowest-highest)"
            " of each round's ratio, whose runs ran one after the other; ratio of the fastest"
            " runs (the least disturbed by other work on the machine); unrouted/routed"
            " processor time"
        )
        for workers in args.workers:
            base = median[("unrouted", workers)]
            for store in stores[1:]:
                paired = [
                    routed / unrouted
                    for routed, unrouted in zip(
                        rates[(store, workers)], rates[("unrouted", workers)], strict=True
                    )
                ]
                cpu_text = ""
                if (store, workers) in cpu_ms and ("unrouted", workers) in cpu_ms:
                    unrouted_ms = _median(cpu_ms[("unrouted", workers)])
                    cpu_text = f";  CPU {unrouted_ms / _median(cpu_ms[(store, workers)]):.2f}"
                best = max(rates[(store, workers)]) / max(rates[("unrouted", workers)])
                print(
                    f"  workers {workers}, {store:<17} {median[(store, workers)] / base:.2f};"
                    f"  by round {_median(paired):.2f} ({min(paired):.2f}-{max(paired):.2f})"
                    f";  best runs {best:.2f}{cpu_text}"
                )
        if 1 in args.workers:
            for workers in args.workers:
                if workers > 1:
                    for store in stores[:2]:
                        gain = median[(store, workers)] / median[(store, 1)]
                        print(f"workers {workers} vs 1, {store}: {gain:.2f}x")
        first = re.search(r'"id":\s*"([^"]+)"', text)
        call_id = first.group(1) if first else "unknown"
        figures = startup(kept, call_id, args.startup_runs)
        shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items())
        print(f"start-up (median of {args.startup_runs}): {shown} (target < 0.5 s)")


if __name__ == "__main__":
    main()

"""The main job as users run it: `callhandoff process` end to end, routed and unrouted.

    python benchmarks/throughput.py [../shared/data/cucom/ecommerce.jsonl] [--orders 100000]

Runs the installed `callhandoff` command (start-up, reading, extraction,
grounding, routing, writing handoffs.jsonl and the report) on the CuCoM
conversations, each configuration in a fresh data folder:

- unrouted (`--no-route`), routed against the demo directory (`examples/store/`)
  and routed against a generated directory of 100,000 orders (a share of the
  order ids said in the calls planted in it, loaded with `callhandoff directory load`);
- each with `--workers 1` and `--workers 2`;

and prints calls per second, peak RSS, the routed/unrouted ratio, the 2-worker
scaling, and the start-up time of `schema`, `explain` and `outbox`. Targets
on a 2-core machine: routed >= 0.8 of unrouted; >= 400 calls/s with
`--workers 2`; start-up < 0.5 s. Machines are shared and noisy: compare
figures from one run.
"""

from __future__ import annotations

import argparse
import csv
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


def run(args: list[str], data_dir: Path) -> tuple[float, float]:
    """Run `callhandoff ARGS` in `data_dir`; (wall seconds, peak RSS in MB)."""
    env = {**os.environ, "CALLHANDOFF_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env.pop("CALLHANDOFF_DATABASE_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [CLI, *args], env=env, cwd=data_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        problem = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"callhandoff {' '.join(args)} failed:\n{problem}")
    return elapsed, usage.ru_maxrss / 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=CUCOM)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if shutil.which(CLI) is None:
        raise SystemExit(f"{CLI} not found: install the project first (pip install -e .)")
    text = args.path.read_text(encoding="utf-8")
    calls = sum(1 for line in text.splitlines() if line.strip())
    rng = random.Random(args.seed)
    planted = [o for o in ORDER_ID.findall(text) if rng.random() < 0.7]

    with tempfile.TemporaryDirectory(prefix="callhandoff-bench-") as tmp:
        root = Path(tmp)
        big = root / "big-store"
        started = time.perf_counter()
        write_directory(big, args.orders, planted, args.seed)
        print(f"input: {args.path} ({calls} conversations); {args.orders:,} generated orders")
        results: dict[tuple[str, int], tuple[float, float]] = {}
        load_s = 0.0
        for workers in args.workers:
            for store in ("unrouted", "demo directory", f"{args.orders:,} orders"):
                data_dir = root / f"{store.split()[0]}-{workers}"
                data_dir.mkdir()
                route: list[str] = ["--no-route"] if store == "unrouted" else []
                if store == "demo directory":
                    run(["directory", "load", str(DEMO)], data_dir)
                elif store != "unrouted":
                    started = time.perf_counter()
                    run(["directory", "load", str(big)], data_dir)
                    load_s = time.perf_counter() - started
                out = ["--out", str(data_dir / "handoffs.jsonl"), "--no-progress"]
                seconds, rss = run(
                    ["process", str(args.path), *out, "--workers", str(workers), *route], data_dir
                )
                results[(store, workers)] = (calls / seconds, rss)
                print(
                    f"  workers {workers}  {store:<17} {calls / seconds:6.0f} calls/s  "
                    f"{seconds:6.1f} s  peak RSS {rss:4.0f} MB (main process)"
                )
        print(f"loading {args.orders:,} orders with `directory load`: {load_s:.1f} s")
        for workers in args.workers:
            base = results[("unrouted", workers)][0]
            for store in ("demo directory", f"{args.orders:,} orders"):
                ratio = results[(store, workers)][0] / base
                print(f"routed/unrouted, workers {workers}, {store}: {ratio:.2f} (target >= 0.8)")
        if 1 in args.workers:
            for workers in args.workers:
                if workers > 1:
                    for store in ("unrouted", "demo directory"):
                        gain = results[(store, workers)][0] / results[(store, 1)][0]
                        print(f"workers {workers} vs 1, {store}: {gain:.2f}x")
        first = re.search(r'"id":\s*"([^"]+)"', text)
        call_id = first.group(1) if first else "unknown"
        figures = startup(root / f"demo-{args.workers[0]}", call_id, args.startup_runs)
        shown = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in figures.items())
        print(f"start-up (median of {args.startup_runs}): {shown} (target < 0.5 s)")


if __name__ == "__main__":
    main()

"""Benchmark: matching + policy + persistence for the CuCoM calls against 100,000 orders.

    python benchmarks/routing_throughput.py [--orders 100000] [--calls 6000] [--batch 200]

1. Generates a synthetic directory (customers, products, orders with items,
   bookings) into a temporary SQLite store; a share of the CuCoM order ids is
   planted in it so some calls match and some do not.
2. Builds one handoff per CuCoM conversation with the offline backend when it
   is available (trained classifier present), else with a quick regex over order
   ids, emails and phones. Extraction and grounding are not timed.
3. Times `Router.route_many` (match, priority, policy, payload, persistence,
   one commit per batch) and reports calls/s and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from callhandoff.normalize import digit_key, id_key, name_key
from callhandoff.pipeline import finish_handoff
from callhandoff.readers import iter_inputs
from callhandoff.routing.router import Router
from callhandoff.schema import (
    Caller,
    CallResult,
    Evidence,
    Extracted,
    ExtractionMeta,
    Handoff,
    Records,
    Request,
    Transcript,
)
from callhandoff.schema.enums import Destination, Intent, Speaker
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.tables import bookings, customers, order_items, orders, products

CUCOM = Path(__file__).resolve().parents[2] / "shared" / "data" / "cucom" / "ecommerce.jsonl"
ORDER_ID = re.compile(r"\b(\d{3}-\d{7}-\d{7}|[A-Z]{2,5}-?\d{4,}|\d{6,12})\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
FIRST = [
    "Ava",
    "Liam",
    "Maya",
    "Noah",
    "Zoe",
    "Arjun",
    "Lena",
    "Omar",
    "Ines",
    "Kai",
    "Priya",
    "Theo",
    "Nora",
    "Ravi",
    "Ella",
    "Jonas",
    "Sara",
    "Ivan",
    "Mei",
    "Tariq",
]
LAST = [
    "Patel",
    "Smith",
    "Garcia",
    "Kumar",
    "Nguyen",
    "Muller",
    "Rossi",
    "Khan",
    "Silva",
    "Cohen",
    "Sato",
    "Novak",
    "Haddad",
    "Okafor",
    "Larsen",
    "Dubois",
    "Reyes",
    "Singh",
]
INTENT_WORDS = [
    (Intent.REFUND, ("refund", "money back")),
    (Intent.CANCEL_ORDER, ("cancel",)),
    (Intent.RETURN_OR_EXCHANGE, ("return", "replace", "exchange", "damaged", "broken")),
    (Intent.DELIVERY_ISSUE, ("not delivered", "late", "delay", "courier", "tracking")),
    (Intent.BILLING_PAYMENT, ("charged", "payment", "invoice")),
    (Intent.ORDER_STATUS, ("where is", "status", "order")),
]


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def _flush(engine: sa.Engine, table: sa.Table, rows: list[dict[str, Any]], force: bool) -> None:
    """Insert and clear `rows` once 5,000 have gathered (or at the end)."""
    if rows and (force or len(rows) >= 5_000):
        with engine.begin() as connection:
            connection.execute(sa.insert(table), rows)
        rows.clear()


def generate_directory(engine: sa.Engine, n_orders: int, planted: list[str], seed: int) -> None:
    """Insert a synthetic directory with `n_orders` orders, `planted` ids among them (streamed)."""
    rng = random.Random(seed)
    now = datetime(2025, 3, 14, tzinfo=UTC)
    n_customers = max(n_orders // 3, 10)
    rows: list[dict[str, Any]] = []
    for i in range(n_customers):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append(
            {
                "customer_id": f"CU-{i:07d}",
                "store": "bench-store",
                "destination": "cloudcart",
                "name": name,
                "name_key": name_key(name),
                "email": f"user{i}@example.com",
                "phone": f"+1{rng.randint(201, 989)}{rng.randint(2_000_000, 9_999_999)}",
                "vip": rng.random() < 0.02,
                "loyalty_tier": rng.choice([None, "silver", "gold"]),
                "created_at": now - timedelta(days=rng.randint(30, 2000)),
                "loaded_at": now,
            }
        )
        _flush(engine, customers, rows, False)
    _flush(engine, customers, rows, True)
    catalogue = []
    for i in range(2_000):
        sku = f"SKU-{i:05d}"
        catalogue.append((sku, f"Product {i}", round(rng.uniform(5, 250), 2)))
        rows.append(
            {
                "sku": sku,
                "sku_key": id_key(sku),
                "store": "bench-store",
                "destination": "cloudcart",
                "name": f"Product {i}",
                "price": catalogue[-1][2],
                "currency": "USD",
                "stock": rng.randint(0, 50),
                "return_window_days": rng.choice([0, 14, 30]),
                "loaded_at": now,
            }
        )
    _flush(engine, products, rows, True)
    ids = list(dict.fromkeys(planted))[:n_orders]
    ids += [f"SYN-{i:08d}" for i in range(n_orders - len(ids))]
    items: list[dict[str, Any]] = []
    for order_id in ids:
        purchased = now - timedelta(days=rng.randint(1, 120))
        delivered = purchased + timedelta(days=4) if rng.random() < 0.7 else None
        total = 0.0
        for sku, name, price in rng.sample(catalogue, rng.randint(1, 3)):
            total += price
            items.append(
                {
                    "order_id": order_id,
                    "sku": sku,
                    "sku_key": id_key(sku),
                    "product_name": name,
                    "quantity": 1,
                    "unit_price": price,
                }
            )
        rows.append(
            {
                "order_id": order_id,
                "order_key": id_key(order_id),
                "order_digits": digit_key(order_id),
                "customer_id": f"CU-{rng.randrange(n_customers):07d}",
                "store": "bench-store",
                "destination": "cloudcart",
                "status": "delivered" if delivered else "shipped",
                "total": round(total, 2),
                "currency": "USD",
                "purchased_at": purchased,
                "delivered_at": delivered,
                "shipping_address": f"{rng.randint(1, 999)} Main St",
                "loaded_at": now,
            }
        )
        if len(rows) >= 5_000:
            _flush(engine, orders, rows, True)
            _flush(engine, order_items, items, True)
    _flush(engine, orders, rows, True)
    _flush(engine, order_items, items, True)
    for i in range(n_orders // 20):
        rows.append(
            {
                "booking_id": f"BK-{i:07d}",
                "booking_key": id_key(f"BK-{i:07d}"),
                "customer_id": f"CU-{rng.randrange(n_customers):07d}",
                "store": "bench-store",
                "destination": "cloudcart",
                "kind": "installation",
                "status": "confirmed",
                "starts_at": now + timedelta(days=rng.randint(1, 30)),
                "location": "on site",
                "loaded_at": now,
            }
        )
        _flush(engine, bookings, rows, False)
    _flush(engine, bookings, rows, True)


def _quote_handoff(transcript: Transcript) -> Handoff:
    """A regex-built handoff: order id, email, a keyword intent; evidence is the exact words."""
    customer = [i for i, t in enumerate(transcript.turns) if t.speaker is Speaker.CUSTOMER]
    order: Extracted[str] | None = None
    email: Extracted[str] | None = None
    intent: Extracted[Intent] | None = None
    for index in customer:
        text = transcript.turns[index].text
        lowered = text.lower()
        if order is None and (found := ORDER_ID.search(text)):
            order = Extracted(
                value=found.group(1),
                confidence=0.9,
                evidence=Evidence(turn=index, quote=found.group(1)),
            )
        if email is None and (mail := EMAIL.search(text)):
            email = Extracted(
                value=mail.group(0).lower(),
                confidence=0.9,
                evidence=Evidence(turn=index, quote=mail.group(0)),
            )
        if intent is None:
            for candidate, words in INTENT_WORDS:
                word = next((w for w in words if w in lowered), None)
                if word is not None:
                    start = lowered.index(word)
                    intent = Extracted(
                        value=candidate,
                        confidence=0.7,
                        evidence=Evidence(turn=index, quote=text[start : start + len(word)]),
                    )
                    break
    return Handoff(
        call_id=transcript.call_id,
        destination=transcript.destination,
        caller=Caller(email=email),
        records=Records(order_id=order),
        request=Request(intent=intent),
        summary="",
        next_step="",
        meta=ExtractionMeta(backend="benchmark-regex"),
    )


def build_calls(settings: Settings, limit: int) -> tuple[list[tuple[CallResult, Transcript]], str]:
    """One (CallResult, Transcript) per CuCoM conversation, and the extractor used."""
    transcripts = [
        item
        for item in iter_inputs([CUCOM], default_destination=Destination.CLOUDCART, tz=settings.tz)
        if isinstance(item, Transcript)
    ][:limit]
    try:
        from callhandoff.summarizer.offline import OfflineBackend

        backend = OfflineBackend(settings)
        handoffs = list(backend.extract_many(transcripts))
        used = "offline backend"
    except Exception as exc:
        print(f"offline backend unavailable ({exc}); using the regex extractor", file=sys.stderr)
        handoffs = [_quote_handoff(t) for t in transcripts]
        used = "regex extractor"
    calls = []
    for transcript, handoff in zip(transcripts, handoffs, strict=True):
        finished = finish_handoff(handoff, transcript, settings)
        calls.append(
            (
                CallResult(
                    call_id=transcript.call_id,
                    source=transcript.source,
                    transcript_hash=transcript.content_hash(),
                    handoff=finished,
                ),
                transcript,
            )
        )
    return calls, used


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=6_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--planted-share",
        type=float,
        default=0.7,
        help="Share of the CuCoM order ids planted in the directory.",
    )
    args = parser.parse_args(argv)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    started = time.perf_counter()
    calls, used = build_calls(settings, args.calls)
    extract_s = time.perf_counter() - started
    said = [c.handoff.records.order_id.value for c, _ in calls if c.handoff.records.order_id]
    rng = random.Random(args.seed)
    planted = [order for order in said if rng.random() < args.planted_share]

    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        generate_directory(engine, args.orders, planted, args.seed)
        directory_s = time.perf_counter() - started

        router = Router(engine, regions=settings.phone_regions)
        started, cpu_started = time.perf_counter(), time.process_time()
        results = list(router.route_many(calls, batch_size=args.batch))
        route_s = time.perf_counter() - started
        route_cpu_s = time.process_time() - cpu_started
        started = time.perf_counter()
        rerun = sum(1 for _ in router.route_many(calls, batch_size=args.batch))
        rerun_s = time.perf_counter() - started
        with engine.connect() as connection:
            outbox_rows = connection.execute(sa.text("SELECT count(*) FROM outbox")).scalar()
        engine.dispose()

    decisions: Counter[str] = Counter(r.decision.kind.value for r in results if r.decision)
    reasons: Counter[str] = Counter(
        reason.code for r in results if r.decision for reason in r.decision.reasons
    )
    matched = sum(1 for r in results if r.match and r.match.matched)
    print(f"handoffs: {len(calls)} CuCoM conversations via the {used} ({extract_s:.1f} s, untimed)")
    print(
        f"directory: {args.orders:,} orders generated in {directory_s:.1f} s "
        f"({len(planted)} CuCoM order ids planted)"
    )
    print(
        f"routing (match + policy + persistence, batch {args.batch}): {len(results)} calls in "
        f"{route_s:.2f} s = {len(results) / route_s:,.0f} calls/s wall-clock; "
        f"{route_cpu_s:.2f} CPU-s = {len(results) / route_cpu_s:,.0f} calls per CPU-second"
    )
    print(
        f"re-run of the same calls (idempotent, no new rows): {rerun / rerun_s:,.0f} calls/s, "
        f"outbox rows {outbox_rows}"
    )
    print(
        f"matched: {matched} ({matched / max(len(results), 1):.0%}); decisions: "
        + ", ".join(f"{k} {v}" for k, v in decisions.most_common())
    )
    print("top reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common(8)))
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

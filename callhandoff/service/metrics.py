"""Prometheus metrics of one process, in its own registry (no global state).

Counters and histograms count what this process did (calls received by its API,
calls its workers processed, decisions, extraction latency, model tokens and cost).
The queue gauges (calls per intake state, outbox rows pending and dead) are read
from the store at scrape time, so every process reports the whole system's queues.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from callhandoff.schema.handoff import ExtractionMeta
from callhandoff.store import intake as intake_store
from callhandoff.store import outbox as outbox_store
from callhandoff.store.rows import OutboxState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StoreGauges(Collector):
    """Queue sizes read from the store when scraped."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        calls = GaugeMetricFamily(
            "callhandoff_calls_in_state", "Received calls by intake state.", labels=["state"]
        )
        for state, n in intake_store.counts(self.engine).items():
            calls.add_metric([state.value], n)
        yield calls
        totals = outbox_store.counts(self.engine)
        yield GaugeMetricFamily(
            "callhandoff_outbox_pending",
            "Outbox actions waiting to be delivered.",
            value=totals[OutboxState.PENDING],
        )
        yield GaugeMetricFamily(
            "callhandoff_outbox_dead",
            "Outbox actions given up on (requeue with `callhandoff outbox retry`).",
            value=totals[OutboxState.DEAD],
        )


class ServiceMetrics:
    """The metrics one process exposes on `/metrics`."""

    def __init__(self, engine: Engine | None = None):
        self.registry = CollectorRegistry(auto_describe=True)
        self.received = Counter(
            "callhandoff_calls_received",
            "Calls accepted by POST /v1/calls (stored, answered 202).",
            registry=self.registry,
        )
        self.rejected = Counter(
            "callhandoff_calls_rejected",
            "Webhook requests refused, by HTTP status.",
            ["status"],
            registry=self.registry,
        )
        self.processed = Counter(
            "callhandoff_calls_processed",
            "Calls extracted, grounded, decided and stored by this process.",
            registry=self.registry,
        )
        self.decisions = Counter(
            "callhandoff_decisions",
            "Decisions made by this process, by kind.",
            ["decision"],
            registry=self.registry,
        )
        self.failures = Counter(
            "callhandoff_processing_failures",
            "Batches of calls whose processing raised (they are tried again).",
            registry=self.registry,
        )
        self.extraction_seconds = Histogram(
            "callhandoff_extraction_seconds",
            "Extraction latency per call, as the backend measured it.",
            buckets=(
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
            ),
            registry=self.registry,
        )
        self.tokens = Counter(
            "callhandoff_model_tokens",
            "Model tokens spent, by kind (prompt, completion).",
            ["kind"],
            registry=self.registry,
        )
        self.cost = Counter(
            "callhandoff_model_cost_usd", "Model cost in USD.", registry=self.registry
        )
        if engine is not None:
            self.registry.register(_StoreGauges(engine))

    def observe_handoff(self, meta: ExtractionMeta, decision: str | None) -> None:
        """Count one processed call from its handoff's meta and its decision."""
        self.processed.inc()
        if decision:
            self.decisions.labels(decision).inc()
        self.extraction_seconds.observe(meta.latency_ms / 1000)
        if meta.prompt_tokens:
            self.tokens.labels("prompt").inc(meta.prompt_tokens)
        if meta.completion_tokens:
            self.tokens.labels("completion").inc(meta.completion_tokens)
        if meta.cost_usd > 0:
            self.cost.inc(meta.cost_usd)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return bytes(generate_latest(self.registry))

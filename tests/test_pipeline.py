"""process_stream: one output per input, in input order, rejects kept in place."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callhandoff.pipeline import process_stream
from callhandoff.routing.router import Router
from callhandoff.schema import (
    CallResult,
    Evidence,
    Extracted,
    ExtractionMeta,
    Handoff,
    Intent,
    Rejected,
    Request,
    Transcript,
    Urgency,
)
from callhandoff.settings import Settings
from callhandoff.store.calls import known_call_ids
from callhandoff.store.db import open_store
from callhandoff.summarizer.offline import OfflineBackend
from callhandoff.workers import ExtractionPool


class EchoBackend:
    """Says every call is a refund, quoting the first customer turn (or a made-up quote)."""

    name = "echo"

    def __init__(self, invent: bool = False):
        self.invent = invent
        self.seen: list[str] = []

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        for transcript in transcripts:
            self.seen.append(transcript.call_id)
            quote = "a quote nobody said at all" if self.invent else transcript.turns[0].text
            yield Handoff(
                call_id=transcript.call_id,
                destination=transcript.destination,
                request=Request(
                    intent=Extracted[Intent](
                        value=Intent.REFUND, confidence=0.9, evidence=Evidence(turn=0, quote=quote)
                    )
                ),
                urgency=Extracted[Urgency](
                    value=Urgency.HIGH, confidence=0.8, evidence=Evidence(turn=0, quote=quote)
                ),
                meta=ExtractionMeta(backend=self.name),
            )

    def close(self) -> None:
        pass


def _transcript(call_id: str) -> Transcript:
    return Transcript.model_validate(
        {
            "call_id": call_id,
            "destination": "cloudcart",
            "turns": [{"speaker": "customer", "text": "I want my money back for the broken lamp."}],
        }
    )


def _reject(line: int) -> Rejected:
    return Rejected(path="calls.jsonl", line=line, problem="invalid JSON", raw="{")


def test_outputs_keep_input_order_with_rejects_in_place() -> None:
    inputs = [_reject(1), _transcript("a"), _reject(3), _reject(4), _transcript("b"), _reject(6)]
    outputs = list(process_stream(inputs, EchoBackend(), Settings()))
    kinds = [o.call_id if isinstance(o, CallResult) else f"reject:{o.line}" for o in outputs]
    assert kinds == ["reject:1", "a", "reject:3", "reject:4", "b", "reject:6"]


def test_results_are_grounded_and_priority_comes_with_routing(tmp_path: Path) -> None:
    [result] = list(process_stream([_transcript("a")], EchoBackend(), Settings()))
    assert isinstance(result, CallResult)
    assert result.handoff.request.intent is not None
    assert result.handoff.grounding.checked == 2
    assert result.handoff.priority is None and result.decision is None
    assert result.transcript_hash == _transcript("a").content_hash()

    router = Router(open_store(f"sqlite:///{tmp_path / 'store.db'}"))
    [routed] = list(process_stream([_transcript("a")], EchoBackend(), Settings(), router=router))
    assert isinstance(routed, CallResult) and routed.decision is not None
    assert routed.handoff.priority is not None
    assert routed.handoff.priority.level is Urgency.HIGH


def test_routing_in_batches_keeps_rejects_in_place(tmp_path: Path) -> None:
    router = Router(open_store(f"sqlite:///{tmp_path / 'store.db'}"))
    inputs: list[Transcript | Rejected] = []
    for n in range(600):
        inputs.append(_reject(n) if n % 7 == 3 else _transcript(f"c{n}"))
    outputs = list(process_stream(inputs, EchoBackend(), Settings(), router=router))
    expected = [f"reject:{i.line}" if isinstance(i, Rejected) else i.call_id for i in inputs]
    kinds = [o.call_id if isinstance(o, CallResult) else f"reject:{o.line}" for o in outputs]
    assert kinds == expected
    assert all(o.decision is not None for o in outputs if isinstance(o, CallResult))


def _order_calls() -> list[Transcript]:
    return [
        Transcript.model_validate(
            {
                "call_id": f"w{n}",
                "destination": "cloudcart",
                "turns": [
                    {"speaker": "customer", "text": text},
                    {"speaker": "agent", "text": "Thanks, I have noted that."},
                ],
            }
        )
        for n, text in enumerate(
            [
                "My order HH-100234 arrived broken, I want a replacement by Friday.",
                "Where is my parcel? Order 403-1234567-8901234 has not come.",
                "Please cancel order A-55123, I changed my mind.",
            ]
            * 30
        )
    ]


def test_worker_processes_give_the_same_results_in_the_same_order() -> None:
    calls = _order_calls()
    settings = Settings(backend="offline")
    backend = OfflineBackend(settings)
    alone = [
        r.model_dump(exclude={"handoff": {"meta"}})
        for r in process_stream(calls, backend, settings)
        if isinstance(r, CallResult)
    ]
    pooled = [
        r.model_dump(exclude={"handoff": {"meta"}})
        for r in process_stream(calls, backend, settings, processes=2)
        if isinstance(r, CallResult)
    ]
    assert len(alone) == 90 and pooled == alone


def test_with_processes_the_worker_processes_extract_not_the_backend_passed_in() -> None:
    calls = _order_calls()[:6]
    backend = EchoBackend()
    settings = Settings(backend="offline")
    results = list(process_stream(calls, backend, settings, processes=1))
    assert backend.seen == []  # the worker built its own (offline) backend
    assert [r.call_id for r in results if isinstance(r, CallResult)] == [c.call_id for c in calls]
    assert {r.handoff.meta.backend for r in results if isinstance(r, CallResult)} == {"offline"}


def test_a_started_pool_extracts_without_a_backend_in_this_process() -> None:
    calls = _order_calls()[:6]
    settings = Settings(backend="offline")
    with ExtractionPool(settings, 1) as pool:
        results = list(process_stream(calls, None, settings, processes=pool))
    assert [r.call_id for r in results if isinstance(r, CallResult)] == [c.call_id for c in calls]
    with pytest.raises(ValueError, match="nothing to extract with"):
        list(process_stream(calls, None, settings))


def test_a_routed_run_extracting_in_one_worker_process_stores_what_the_main_one_does(
    tmp_path: Path,
) -> None:
    """One worker process extracts while the main process routes: every call is decided
    and stored as when the main process does both."""
    calls = _order_calls()
    settings = Settings(backend="offline")
    decided: dict[int, list[dict[str, object]]] = {}
    for processes in (0, 1):
        router = Router(
            open_store(f"sqlite:///{tmp_path / f'store-{processes}.db'}"),
            clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
        results = list(
            process_stream(
                calls, OfflineBackend(settings), settings, router=router, processes=processes
            )
        )
        decided[processes] = [
            r.model_dump(exclude={"handoff": {"meta"}})
            for r in results
            if isinstance(r, CallResult)
        ]
        with router.engine.connect() as connection:
            assert known_call_ids(connection, [c.call_id for c in calls]) == {
                c.call_id for c in calls
            }
    assert len(decided[0]) == 90
    assert all(r["decision"] is not None for r in decided[0])
    assert decided[1] == decided[0]


def test_ungrounded_backend_output_is_dropped_in_the_pipeline() -> None:
    [result] = list(process_stream([_transcript("a")], EchoBackend(invent=True), Settings()))
    assert isinstance(result, CallResult)
    assert result.handoff.request.intent is None
    assert {d.field for d in result.handoff.grounding.dropped} == {"request.intent", "urgency"}


def test_only_rejects_pass_straight_through() -> None:
    outputs = list(process_stream([_reject(1), _reject(2)], EchoBackend(), Settings()))
    assert [o.line for o in outputs if isinstance(o, Rejected)] == [1, 2]


class ClosingBackend(EchoBackend):
    """An `EchoBackend` whose run holds something open until the run ends."""

    def __init__(self) -> None:
        super().__init__()
        self.run_closed = False

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        try:
            yield from super().extract_many(transcripts)
        finally:
            self.run_closed = True


def test_closing_the_stream_early_ends_the_backends_run_at_once(tmp_path: Path) -> None:
    """A run stopped after its first result (an error, Ctrl-C) closes what the backend's
    run holds open when the stream is closed, without waiting for the garbage collector
    (which the command line skips at exit)."""
    router = Router(open_store(f"sqlite:///{tmp_path / 'store.db'}"))
    for routing in (None, router):
        backend = ClosingBackend()
        inputs = [_transcript(f"call-{n}") for n in range(200)]
        gc.disable()
        try:
            stream = process_stream(inputs, backend, Settings(), router=routing)
            next(stream)
            assert not backend.run_closed
            stream.close()
            assert backend.run_closed
        finally:
            gc.enable()

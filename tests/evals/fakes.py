"""Hand-built gold items, handoffs and a fake backend for the eval-suite tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.evals.records import ItemRun
from callhandoff.schema import (
    Caller,
    CallResult,
    Decision,
    DecisionKind,
    Destination,
    Evidence,
    Extracted,
    ExtractionMeta,
    Handoff,
    Intent,
    Records,
    Request,
    RiskFlag,
    Speaker,
    Transcript,
    Turn,
    Urgency,
)

STARTED = dt.datetime(2025, 3, 14, 10, 0, tzinfo=dt.UTC)

CUSTOMER_TEXT = (
    "Hi, this is about order 403-1234567-8901234 and order A12345 and ORD-1 and B777. "
    "The lamp arrived broken, I want my money back. My number is +1 415 555 0123, "
    "email jane@example.com. I fly out by Friday."
)


def transcript(call_id: str, text: str = CUSTOMER_TEXT) -> Transcript:
    """A two-turn call: the agent greets, the customer says `text`."""
    return Transcript(
        call_id=call_id,
        destination=Destination.CLOUDCART,
        started_at=STARTED,
        turns=[
            Turn(speaker=Speaker.AGENT, text="Thanks for calling, how can I help?"),
            Turn(speaker=Speaker.CUSTOMER, text=text),
        ],
    )


def gold_item(item_id: str, *, text: str = CUSTOMER_TEXT, **labels: Any) -> GoldItem:
    """A dev item whose gold is `labels` (intent and urgency default to refund / normal)."""
    labels.setdefault("intent", Intent.REFUND)
    labels.setdefault("urgency", Urgency.NORMAL)
    return GoldItem(
        id=item_id,
        origin="handwritten",
        split="dev",
        transcript=transcript(f"call-{item_id}", text),
        gold=GoldLabels(**labels),
    )


def ex(value: Any, quote: str = "order", confidence: float = 0.9, turn: int = 1) -> Extracted[Any]:
    """An extracted value quoting `quote` from the customer turn."""
    return Extracted[Any](
        value=value, confidence=confidence, evidence=Evidence(turn=turn, quote=quote)
    )


def handoff(
    call_id: str,
    *,
    intent: Intent | None = None,
    intent_confidence: float = 0.9,
    order_id: str | None = None,
    order_quote: str | None = None,
    flags: Iterable[RiskFlag] = (),
    urgency: Urgency | None = None,
    phone: str | None = None,
    **meta: Any,
) -> Handoff:
    """A handoff with the given values, each quoting words the customer really said.

    The order id quotes itself unless `order_quote` says otherwise.
    """
    return Handoff(
        call_id=call_id,
        destination=Destination.CLOUDCART,
        request=Request(intent=ex(intent, "money back", intent_confidence) if intent else None),
        records=Records(order_id=ex(order_id, order_quote or order_id) if order_id else None),
        caller=Caller(phone=ex(phone, "415 555 0123") if phone else None),
        risk_flags=[ex(flag, "broken") for flag in flags],
        urgency=ex(urgency, "by Friday") if urgency else None,
        meta=ExtractionMeta(backend="fake", **meta),
    )


def result(item: GoldItem, output: Handoff, decision: DecisionKind | None = None) -> CallResult:
    """What the pipeline would have produced for `item`."""
    return CallResult(
        call_id=item.transcript.call_id,
        transcript_hash=item.transcript.content_hash(),
        handoff=output,
        decision=(
            Decision(kind=decision, idempotency_key=item.id, policy_version="test")
            if decision
            else None
        ),
    )


def item_run(
    item: GoldItem,
    output: Handoff | None,
    *,
    decision: DecisionKind | None = None,
    repeat: int = 0,
    position: int = 0,
    **usage: Any,
) -> ItemRun:
    """An ItemRun as the runner records it."""
    return ItemRun(
        item=item,
        repeat=repeat,
        position=position,
        result=result(item, output, decision) if output is not None else None,
        **usage,
    )


class FakeBackend:
    """Answers each call with `respond(transcript)`; records what it saw and whether it closed."""

    name = "fake"

    def __init__(self, respond: Callable[[Transcript], Handoff]):
        self.respond = respond
        self.seen: list[str] = []
        self.closed = False

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        for call in transcripts:
            self.seen.append(call.call_id)
            yield self.respond(call)

    def close(self) -> None:
        self.closed = True


def refund_everything(call: Transcript) -> Handoff:
    """A backend that says every call is a refund about order 403-1234567-8901234."""
    return handoff(
        call.call_id,
        intent=Intent.REFUND,
        order_id="403-1234567-8901234",
        urgency=Urgency.NORMAL,
        latency_ms=12.5,
        prompt_tokens=100,
        completion_tokens=20,
        cost_usd=0.001,
    )

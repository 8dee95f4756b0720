"""The classifier's output heads and how each reads its label from the gold data.

Training (scripts/train_classifier.py) and inference agree on this one table.
Nullable fields get a `none` label ("the call does not say"); each risk flag is a
binary head `risk:<flag>` with labels `no` / `yes`, and so is each intent's
`mention:<intent>` head (asked for at all), which yields the secondary intents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from callhandoff.schema.enums import (
    ChangeKind,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
    Workflow,
)

NONE = "none"


class GoldLabels(Protocol):
    """The labels a head reads at training time (`callhandoff.evals.gold.GoldLabels` has them).

    A protocol, so the extractors never import the eval suite.
    """

    @property
    def intent(self) -> Intent: ...
    @property
    def secondary_intents(self) -> Sequence[Intent]: ...
    @property
    def return_reason(self) -> ReturnReason | None: ...
    @property
    def refund_expectation(self) -> RefundExpectation | None: ...
    @property
    def urgency(self) -> Urgency: ...
    @property
    def sentiment(self) -> Sentiment | None: ...
    @property
    def workflow(self) -> Workflow | None: ...
    @property
    def change_kind(self) -> ChangeKind | None: ...
    @property
    def inquiry_topic(self) -> InquiryTopic | None: ...
    @property
    def risk_flags(self) -> Sequence[RiskFlag]: ...


@dataclass(frozen=True)
class HeadDefinition:
    name: str
    labels: tuple[str, ...]
    gold: Callable[[GoldLabels], str]
    preference: bool = False  # the caller's final word decides


def _values(enum: type[StrEnum], nullable: bool) -> tuple[str, ...]:
    values = tuple(member.value for member in enum)
    return (NONE, *values) if nullable else values


def _or_none(value: StrEnum | None) -> str:
    return value.value if value is not None else NONE


def _mention_head(intent: Intent) -> HeadDefinition:
    """Is this intent asked for at all (as the primary or a secondary intent)?"""
    return HeadDefinition(
        name=f"mention:{intent.value}",
        labels=("no", "yes"),
        gold=lambda gold: "yes" if intent in (gold.intent, *gold.secondary_intents) else "no",
    )


def _risk_head(flag: RiskFlag) -> HeadDefinition:
    return HeadDefinition(
        name=f"risk:{flag.value}",
        labels=("no", "yes"),
        gold=lambda gold: "yes" if flag in gold.risk_flags else "no",
    )


HEADS: tuple[HeadDefinition, ...] = (
    HeadDefinition("intent", _values(Intent, False), lambda g: g.intent.value, preference=True),
    HeadDefinition(
        "return_reason", _values(ReturnReason, True), lambda g: _or_none(g.return_reason)
    ),
    HeadDefinition(
        "refund_expectation",
        _values(RefundExpectation, True),
        lambda g: _or_none(g.refund_expectation),
        preference=True,
    ),
    HeadDefinition("urgency", _values(Urgency, False), lambda g: g.urgency.value),
    HeadDefinition(
        "sentiment",
        _values(Sentiment, False),
        lambda g: _or_none(g.sentiment) if g.sentiment else "neutral",
    ),
    HeadDefinition("workflow", _values(Workflow, True), lambda g: _or_none(g.workflow)),
    HeadDefinition("change_kind", _values(ChangeKind, True), lambda g: _or_none(g.change_kind)),
    HeadDefinition(
        "inquiry_topic", _values(InquiryTopic, True), lambda g: _or_none(g.inquiry_topic)
    ),
    *(_risk_head(flag) for flag in RiskFlag),
    *(_mention_head(intent) for intent in Intent if intent is not Intent.OTHER),
)

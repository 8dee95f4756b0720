"""What an eval run is made of: per item, the gold, the output and its usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callhandoff.evals.dataset import Dataset
from callhandoff.evals.gold import GoldItem
from callhandoff.schema.result import CallResult


@dataclass(frozen=True)
class ItemRun:
    """One gold item run once through the pipeline (repeat `repeat`, 0-based).

    `result` is None only when the backend yielded nothing for the item; `error`
    then says so, and every field scores as not predicted.
    """

    item: GoldItem
    repeat: int
    position: int
    result: CallResult | None
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cached: bool = False
    error: str | None = None

    @property
    def item_id(self) -> str:
        """The gold item's stable id."""
        return self.item.id


@dataclass(frozen=True)
class RunOutput:
    """Everything one eval run produced, before it is scored and stored."""

    dataset: Dataset
    items: tuple[ItemRun, ...]
    backend: str
    model: str | None
    prompt_id: str | None
    prompt_hash: str | None
    repeat: int
    started_at: datetime
    duration_s: float
    policy_path: str | None = None
    policy_hash: str | None = None
    classifier_version: str | None = None

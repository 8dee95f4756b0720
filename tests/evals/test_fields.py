"""The field table covers the gold contract: a new gold field cannot go unscored."""

from __future__ import annotations

from callhandoff.evals.fields import FIELD_NAMES, NOT_FROM_HANDOFF
from callhandoff.evals.gold import GoldLabels


def test_every_gold_field_is_scored_exactly_once() -> None:
    gold_fields = set(GoldLabels.model_fields) - NOT_FROM_HANDOFF
    assert sorted(FIELD_NAMES) == sorted(gold_fields)
    assert len(FIELD_NAMES) == len(set(FIELD_NAMES))

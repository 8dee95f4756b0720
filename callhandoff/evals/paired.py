"""Metrics as per-item sums, so the paired bootstrap can recompute them on resamples.

Each metric a comparison tests is written as statistic columns per item (e.g.
`[has gold decision, decision cost]`) and a reducer over their sums (cost / items).
Over all items once, every reducer gives exactly the figure `evals.metrics`
reports for the run (`tests/evals/test_paired.py` checks each one on real runs);
on a resample it gives the figure that resample would have scored.
Accuracy-type metrics also say, per item, whether the item was right, for the
exact McNemar test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from callhandoff.evals.calibration import reliability_bins
from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELD_NAMES
from callhandoff.evals.scoring import ItemScore
from callhandoff.evals.stats import FloatArray
from callhandoff.schema.enums import RiskFlag

Columns = Callable[[ItemScore], list[float]]
Correct = Callable[[ItemScore], bool | None]


@dataclass(frozen=True)
class PairedMetric:
    """One metric as per-item statistic columns and a reducer over their sums."""

    name: str
    columns: Columns
    reduce: Callable[[FloatArray], FloatArray]
    correct: Correct | None = None  # accuracy-type: right / wrong / not counted per item

    def matrix(self, scores: Sequence[ItemScore]) -> FloatArray:
        """items x statistics for these item scores."""
        return np.array([self.columns(score) for score in scores], dtype=np.float64)


# --- reducers ----------------------------------------------------------------------


def _ratio(sums: FloatArray) -> FloatArray:
    """Column 1 / column 0 (NaN when column 0 is 0)."""
    return np.asarray(sums[:, 1] / sums[:, 0], dtype=np.float64)


def _f1(sums: FloatArray) -> FloatArray:
    """Micro F1 from summed [tp, fp, fn]."""
    tp, fp, fn = sums[:, 0], sums[:, 1], sums[:, 2]
    return np.asarray(2 * tp / (2 * tp + fp + fn), dtype=np.float64)


def _macro_f1(sums: FloatArray) -> FloatArray:
    """Mean F1 over the labels seen (in gold or prediction) in the resample."""
    tp, fp, fn = sums[:, 0::3], sums[:, 1::3], sums[:, 2::3]
    denominator = 2 * tp + fp + fn
    seen = denominator > 0
    f1 = np.where(seen, 2 * tp / np.where(seen, denominator, 1.0), 0.0)
    return np.asarray(f1.sum(axis=1) / seen.sum(axis=1), dtype=np.float64)


def _rate_or_zero(sums: FloatArray) -> FloatArray:
    """Column 0 / column 1, 0 when nothing was checked (as the violation rate is defined)."""
    checked = sums[:, 1]
    return np.asarray(
        np.where(checked > 0, sums[:, 0] / np.where(checked > 0, checked, 1.0), 0.0),
        dtype=np.float64,
    )


def _ece(sums: FloatArray) -> FloatArray:
    """ECE from per-bin [count, confidence sum, correct sum]: sum |correct - confidence| / N."""
    counts, confidence, correct = sums[:, 0::3], sums[:, 1::3], sums[:, 2::3]
    return np.asarray(np.abs(correct - confidence).sum(axis=1) / counts.sum(axis=1))


# --- per-item columns ----------------------------------------------------------------


def _label_counts(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[float]:
    gold_set, pred_set = set(gold), set(pred)
    out: list[float] = []
    for label in labels:
        out += [
            float(label in gold_set and label in pred_set),
            float(label in pred_set and label not in gold_set),
            float(label in gold_set and label not in pred_set),
        ]
    return out


def _calibration_columns(score: ItemScore) -> list[float]:
    pairs = [pair for outcome in score.fields.values() for pair in outcome.calibration]
    out: list[float] = []
    for b in reliability_bins(pairs):
        out += [
            float(b.count),
            (b.mean_confidence or 0.0) * b.count,
            (b.accuracy or 0.0) * b.count,
        ]
    return out


def _decision_right(score: ItemScore) -> bool | None:
    if score.decision_gold is None:
        return None
    return score.decision_pred == score.decision_gold


def _field_metrics(name: str) -> list[PairedMetric]:
    def exact(score: ItemScore) -> list[float]:
        return [1.0, float(score.fields[name].exact)]

    def counts(score: ItemScore) -> list[float]:
        outcome = score.fields[name]
        return [float(outcome.tp), float(outcome.fp), float(outcome.fn)]

    return [
        PairedMetric(f"field.{name}.exact_match", exact, _ratio, lambda s: s.fields[name].exact),
        PairedMetric(f"field.{name}.f1", counts, _f1),
    ]


def paired_metrics(scores: Sequence[ItemScore], costs: DecisionCosts) -> dict[str, PairedMetric]:
    """Every tested metric, by name; label sets are taken from `scores` (both runs)."""
    intents = sorted(
        {s.intent_gold for s in scores} | {s.intent_pred for s in scores if s.intent_pred}
    )
    flags = [flag.value for flag in RiskFlag]

    def intent_labels(s: ItemScore) -> list[float]:
        return _label_counts([s.intent_gold], [s.intent_pred] if s.intent_pred else [], intents)

    def flag_labels(s: ItemScore) -> list[float]:
        outcome = s.fields["risk_flags"]
        return _label_counts(outcome.gold, outcome.pred, flags)

    def flag_counts(s: ItemScore) -> list[float]:
        outcome = s.fields["risk_flags"]
        return [float(outcome.tp), float(outcome.fp), float(outcome.fn)]

    def decision_cost(s: ItemScore) -> list[float]:
        if s.decision_gold is None:
            return [0.0, 0.0]
        return [1.0, costs.cost(s.decision_gold, s.decision_pred, s.gold_intents)]

    def decision_right(s: ItemScore) -> list[float]:
        return [float(s.decision_gold is not None), float(bool(_decision_right(s)))]

    metrics = [
        PairedMetric(
            "intent.accuracy",
            lambda s: [1.0, float(s.intent_pred == s.intent_gold)],
            _ratio,
            lambda s: s.intent_pred == s.intent_gold,
        ),
        PairedMetric("intent.macro_f1", intent_labels, _macro_f1),
        PairedMetric("risk_flags.micro_f1", flag_counts, _f1),
        PairedMetric("risk_flags.macro_f1", flag_labels, _macro_f1),
        PairedMetric("decision.accuracy", decision_right, _ratio, _decision_right),
        PairedMetric("decision.cost_error", decision_cost, _ratio),
        PairedMetric(
            "grounding.violations_per_item", lambda s: [1.0, float(len(s.violations))], _ratio
        ),
        PairedMetric(
            "grounding.violation_rate",
            lambda s: [float(len(s.violations)), float(s.values_checked)],
            _rate_or_zero,
        ),
        PairedMetric("calibration.ece", _calibration_columns, _ece),
        PairedMetric(
            "tokens.per_item",
            lambda s: [1.0, float(s.prompt_tokens + s.completion_tokens)],
            _ratio,
        ),
        PairedMetric("cost.usd_per_item", lambda s: [1.0, s.cost_usd], _ratio),
        PairedMetric(
            "summary.facts_recall",
            lambda s: (
                [float(len(s.summary.facts)), float(len(s.summary.facts) - len(s.summary.missing))]
                if s.summary
                else [0.0, 0.0]
            ),
            _ratio,
        ),
        PairedMetric(
            "summary.invented_per_item",
            lambda s: [1.0, float(len(s.summary.invented))] if s.summary else [0.0, 0.0],
            _ratio,
        ),
    ]
    for name in FIELD_NAMES:
        metrics += _field_metrics(name)
    return {metric.name: metric for metric in metrics}


def discordant(
    metric: PairedMetric, scores_a: Sequence[ItemScore], scores_b: Sequence[ItemScore]
) -> tuple[int, int] | None:
    """(right in A and wrong in B, wrong in A and right in B), for accuracy-type metrics."""
    if metric.correct is None:
        return None
    worse = better = 0
    for a, b in zip(scores_a, scores_b, strict=True):
        right_a, right_b = metric.correct(a), metric.correct(b)
        if right_a is None or right_b is None:
            continue
        worse += int(right_a and not right_b)
        better += int(right_b and not right_a)
    return worse, better

"""Aggregate item scores into the metrics of a run.

Definitions (all per run, over the items of repeat 0 unless said otherwise):

- per field: exact match = share of items whose normalised prediction equals the
  gold (both empty counts); precision = tp / (tp + fp), recall = tp / (tp + fn),
  F1 = 2tp / (2tp + fp + fn), micro-summed over items; `None` when undefined.
- intent: accuracy of the primary intent, macro-F1 over the intents seen in gold
  or prediction, and the gold x predicted confusion matrix.
- risk flags: micro and macro precision / recall / F1 over the labels.
- decision: accuracy over items with a gold decision, and the cost-weighted
  error = mean decision cost per item (weights: `costs.DecisionCosts`).
- grounding: violations (dropped values + kept values whose quote is absent),
  per item and as a share of all values checked.
- calibration: ECE per field and pooled, from (confidence, correct) pairs.
- usage: tokens, cost and latency per item (over every repeat).
- summaries: required gold facts named (recall), words, invented values
  (`evals.summaries`), over the items whose handoff has a summary.
- agreement (with repeats): share of items whose normalised prediction is
  identical in every repeat.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from callhandoff.evals.calibration import expected_calibration_error, reliability_bins
from callhandoff.evals.costs import DecisionCosts
from callhandoff.evals.fields import FIELDS
from callhandoff.evals.metric_models import (
    AgreementMetrics,
    CalibrationMetrics,
    Counts,
    DecisionMetrics,
    FieldMetrics,
    GroundingMetrics,
    IntentMetrics,
    ItemUsage,
    LabelMetrics,
    RiskMetrics,
    RunMetrics,
    SummaryIssue,
    SummaryMetrics,
    UsageMetrics,
    ViolationRow,
)
from callhandoff.evals.records import ItemRun
from callhandoff.evals.scoring import ItemScore, score_item
from callhandoff.schema.enums import RiskFlag

MAX_VIOLATION_EXAMPLES = 200
MAX_SUMMARY_ISSUES = 200


# --- building blocks -----------------------------------------------------------------


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0."""
    return numerator / denominator if denominator else None


def counts(tp: int, fp: int, fn: int, support: int, predicted: int) -> Counts:
    """Precision, recall and F1 from counts; each None when its denominator is 0."""
    return Counts(
        support=support,
        predicted=predicted,
        tp=tp,
        fp=fp,
        fn=fn,
        precision=ratio(tp, tp + fp),
        recall=ratio(tp, tp + fn),
        f1=ratio(2 * tp, 2 * tp + fp + fn),
    )


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in (0, 1]): the ceil(share*n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def per_label(
    pairs: Iterable[tuple[Iterable[str], Iterable[str]]], labels: Iterable[str]
) -> list[LabelMetrics]:
    """One-vs-rest counts per label from (gold labels, predicted labels) of each item."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, pred in pairs:
        gold_set, pred_set = set(gold), set(pred)
        tp.update(gold_set & pred_set)
        fp.update(pred_set - gold_set)
        fn.update(gold_set - pred_set)
    rows = []
    for label in labels:
        row = counts(tp[label], fp[label], fn[label], tp[label] + fn[label], tp[label] + fp[label])
        rows.append(LabelMetrics(label=label, **row.model_dump()))
    return rows


def macro_f1(rows: Sequence[LabelMetrics]) -> float | None:
    """Mean F1 over the labels that occur in gold or prediction (others are undefined)."""
    seen = [row.f1 or 0.0 for row in rows if row.support or row.predicted]
    return sum(seen) / len(seen) if seen else None


# --- the parts of a run's metrics ---------------------------------------------------------


def field_metrics(scores: Sequence[ItemScore]) -> dict[str, FieldMetrics]:
    """Per-field exact match, micro P/R/F1, support and ECE."""
    out: dict[str, FieldMetrics] = {}
    for spec in FIELDS:
        outcomes = [score.fields[spec.name] for score in scores]
        tp = sum(o.tp for o in outcomes)
        fp = sum(o.fp for o in outcomes)
        fn = sum(o.fn for o in outcomes)
        base = counts(
            tp, fp, fn, sum(1 for o in outcomes if o.gold), sum(1 for o in outcomes if o.pred)
        )
        out[spec.name] = FieldMetrics(
            name=spec.name,
            kind=spec.kind,
            items=len(outcomes),
            exact_match=ratio(sum(o.exact for o in outcomes), len(outcomes)),
            ece=expected_calibration_error(pair for o in outcomes for pair in o.calibration),
            **base.model_dump(),
        )
    return out


def intent_metrics(scores: Sequence[ItemScore]) -> IntentMetrics:
    """Primary-intent accuracy, macro-F1 and confusion matrix."""
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for score in scores:
        row = confusion[score.intent_gold]
        pred = score.intent_pred or "none"
        row[pred] = row.get(pred, 0) + 1
    pairs = [((s.intent_gold,), (s.intent_pred,) if s.intent_pred else ()) for s in scores]
    labels = sorted(
        {s.intent_gold for s in scores} | {s.intent_pred for s in scores if s.intent_pred}
    )
    rows = per_label(pairs, labels)
    correct = sum(1 for s in scores if s.intent_pred == s.intent_gold)
    return IntentMetrics(
        accuracy=ratio(correct, len(scores)),
        macro_f1=macro_f1(rows),
        confusion=dict(confusion),
        per_label=rows,
    )


def risk_metrics(scores: Sequence[ItemScore]) -> RiskMetrics:
    """Risk flags as a multi-label problem: micro and macro P/R/F1, one row per flag."""
    outcomes = [score.fields["risk_flags"] for score in scores]
    rows = per_label(((o.gold, o.pred) for o in outcomes), [flag.value for flag in RiskFlag])
    micro = counts(
        sum(o.tp for o in outcomes),
        sum(o.fp for o in outcomes),
        sum(o.fn for o in outcomes),
        sum(len(o.gold) for o in outcomes),
        sum(len(o.pred) for o in outcomes),
    )
    return RiskMetrics(micro=micro, macro_f1=macro_f1(rows), per_label=rows)


def decision_metrics(scores: Sequence[ItemScore], costs: DecisionCosts) -> DecisionMetrics:
    """Decision accuracy and cost-weighted error; None when no item got a decision."""
    labelled = [s for s in scores if s.decision_gold is not None]
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for s in labelled:
        assert s.decision_gold is not None
        pred = s.decision_pred or "none"
        confusion[s.decision_gold][pred] = confusion[s.decision_gold].get(pred, 0) + 1
    decided = sum(1 for s in labelled if s.decision_pred is not None)
    if not decided:
        return DecisionMetrics(items=len(labelled), confusion=dict(confusion))
    correct = sum(1 for s in labelled if s.decision_pred == s.decision_gold)
    total_cost = sum(
        costs.cost(s.decision_gold, s.decision_pred, s.gold_intents)
        for s in labelled
        if s.decision_gold is not None
    )
    return DecisionMetrics(
        items=len(labelled),
        decided=decided,
        accuracy=ratio(correct, len(labelled)),
        cost_error=ratio(total_cost, len(labelled)),
        confusion=dict(confusion),
    )


def grounding_metrics(scores: Sequence[ItemScore]) -> GroundingMetrics:
    """Hallucinated values: how many, per item and as a share of values checked."""
    violations = sum(len(s.violations) for s in scores)
    checked = sum(s.values_checked for s in scores)
    examples = [
        ViolationRow(item_id=s.item_id, field=v.field, value=v.value, reason=v.reason)
        for s in scores
        for v in s.violations
    ][:MAX_VIOLATION_EXAMPLES]
    return GroundingMetrics(
        values_checked=checked,
        violations=violations,
        violations_per_item=ratio(violations, len(scores)),
        violation_rate=ratio(violations, checked) if checked else (0.0 if scores else None),
        items_with_violations=sum(1 for s in scores if s.violations),
        examples=examples,
    )


def summary_metrics(scores: Sequence[ItemScore]) -> SummaryMetrics:
    """Facts named, length and invented values of the summaries."""
    scored = [(s.item_id, s.summary) for s in scores if s.summary is not None]
    summaries = [summary for _, summary in scored]
    required = sum(len(summary.facts) for summary in summaries)
    present = sum(len(summary.facts) - len(summary.missing) for summary in summaries)
    invented = sum(len(summary.invented) for summary in summaries)
    issues = [
        SummaryIssue(
            item_id=item_id,
            missing=[f"{fact.kind}: {fact.value}" for fact in summary.missing],
            invented=summary.invented,
        )
        for item_id, summary in scored
        if summary.missing or summary.invented
    ][:MAX_SUMMARY_ISSUES]
    return SummaryMetrics(
        items=len(summaries),
        facts_required=required,
        facts_present=present,
        facts_recall=ratio(present, required),
        all_facts_rate=ratio(sum(not s.missing for s in summaries), len(summaries)),
        words_mean=ratio(sum(s.words for s in summaries), len(summaries)),
        over_length_rate=ratio(sum(s.over_length for s in summaries), len(summaries)),
        invented=invented,
        invented_per_item=ratio(invented, len(summaries)),
        invented_rate=ratio(sum(bool(s.invented) for s in summaries), len(summaries)),
        issues=issues,
    )


def usage_metrics(scores: Sequence[ItemScore]) -> UsageMetrics:
    """Tokens, cost and latency over every call of the run (all repeats)."""
    latencies = [s.latency_ms for s in scores]
    prompt = sum(s.prompt_tokens for s in scores)
    completion = sum(s.completion_tokens for s in scores)
    cost = sum(s.cost_usd for s in scores)
    return UsageMetrics(
        calls=len(scores),
        prompt_tokens=prompt,
        completion_tokens=completion,
        tokens_per_item=ratio(prompt + completion, len(scores)),
        cost_usd_total=cost,
        cost_usd_spent=sum(s.cost_usd for s in scores if not (s.cached or s.replayed)),
        cost_usd_replayed=sum(s.cost_usd for s in scores if s.replayed),
        cost_usd_per_item=ratio(cost, len(scores)),
        latency_mean_ms=ratio(sum(latencies), len(latencies)),
        latency_p50_ms=percentile(latencies, 0.5),
        latency_p95_ms=percentile(latencies, 0.95),
        latency_max_ms=max(latencies) if latencies else None,
        cached_rate=ratio(sum(s.cached for s in scores), len(scores)),
        fallback_rate=ratio(sum(s.fallback for s in scores), len(scores)),
        per_item=[
            ItemUsage(
                item_id=s.item_id,
                latency_ms=s.latency_ms,
                tokens=s.prompt_tokens + s.completion_tokens,
                cost_usd=s.cost_usd,
                prompt_tokens=s.prompt_tokens,
                completion_tokens=s.completion_tokens,
                replayed=s.replayed,
            )
            for s in scores
            if s.repeat == 0
        ],
    )


def agreement_metrics(scores: Sequence[ItemScore]) -> AgreementMetrics | None:
    """Share of items whose prediction is identical across every repeat (None with 1 repeat)."""
    by_item: dict[str, list[ItemScore]] = defaultdict(list)
    for score in scores:
        by_item[score.item_id].append(score)
    repeats = max((len(runs) for runs in by_item.values()), default=1)
    if repeats < 2:
        return None
    groups = list(by_item.values())
    per_field: dict[str, float | None] = {}
    stable_items = [True] * len(groups)
    for spec in FIELDS:
        agree = [len({run.fields[spec.name].pred for run in group}) == 1 for group in groups]
        stable_items = [a and b for a, b in zip(stable_items, agree, strict=True)]
        per_field[spec.name] = ratio(sum(agree), len(groups))
    decision = [len({run.decision_pred for run in group}) == 1 for group in groups]
    return AgreementMetrics(
        repeats=repeats,
        all_fields=ratio(sum(stable_items), len(groups)),
        decision=ratio(sum(decision), len(groups)),
        per_field=per_field,
    )


def compute_metrics(scores: Sequence[ItemScore], costs: DecisionCosts | None = None) -> RunMetrics:
    """All metrics of a run from its item scores (every repeat; quality from repeat 0)."""
    costs = costs or DecisionCosts()
    primary = [s for s in scores if s.repeat == 0]
    pairs = [pair for s in primary for o in s.fields.values() for pair in o.calibration]
    fields = field_metrics(primary)
    agreement = agreement_metrics(scores)
    if agreement is not None:
        for name, value in agreement.per_field.items():
            fields[name].agreement = value
    return RunMetrics(
        items=len(primary),
        repeats=agreement.repeats if agreement else 1,
        fields=fields,
        intent=intent_metrics(primary),
        risk_flags=risk_metrics(primary),
        decision=decision_metrics(primary, costs),
        grounding=grounding_metrics(primary),
        calibration=CalibrationMetrics(
            ece=expected_calibration_error(pairs), pairs=len(pairs), bins=reliability_bins(pairs)
        ),
        usage=usage_metrics(scores),
        summary=summary_metrics(primary),
        agreement=agreement,
    )


def score_runs(
    runs: Sequence[ItemRun], costs: DecisionCosts | None = None
) -> tuple[list[ItemScore], RunMetrics]:
    """Score every item run and aggregate: what `eval run` stores and the gate re-computes."""
    scores = [score_item(run) for run in runs]
    return scores, compute_metrics(scores, costs)


def metric_names() -> list[str]:
    """Every metric name a thresholds file may use."""
    return list(compute_metrics([]).flat())

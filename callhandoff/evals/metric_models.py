"""The result models of a run's metrics; `RunMetrics.flat()` names every scalar metric.

Definitions live in `callhandoff.evals.metrics`, which computes these.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from callhandoff.evals.calibration import CalibrationBin
from callhandoff.evals.fields import FIELDS


class Counts(BaseModel):
    """tp / fp / fn with the precision, recall and F1 they imply."""

    support: int = 0
    predicted: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None


class FieldMetrics(Counts):
    """One scored field over the run: exact match, P/R/F1, ECE, agreement."""

    name: str
    kind: str
    items: int = 0
    exact_match: float | None = None
    ece: float | None = None
    agreement: float | None = None


class LabelMetrics(Counts):
    """One label (an intent or a risk flag) scored one-vs-rest."""

    label: str


class IntentMetrics(BaseModel):
    """Primary intent: accuracy, macro-F1, confusion matrix, per-intent rows."""

    accuracy: float | None = None
    macro_f1: float | None = None
    confusion: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="gold intent -> predicted intent ('none') -> items"
    )
    per_label: list[LabelMetrics] = Field(default_factory=list)


class RiskMetrics(BaseModel):
    """Risk flags as a multi-label problem."""

    micro: Counts = Field(default_factory=Counts)
    macro_f1: float | None = None
    per_label: list[LabelMetrics] = Field(default_factory=list)


class DecisionMetrics(BaseModel):
    """The policy's decision against the gold decision."""

    items: int = 0
    decided: int = Field(default=0, description="Items that got a decision from the policy.")
    accuracy: float | None = None
    cost_error: float | None = Field(default=None, description="Mean decision cost per item.")
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)


class ViolationRow(BaseModel):
    """One value with no support in its transcript."""

    item_id: str
    field: str
    value: str
    reason: str


class GroundingMetrics(BaseModel):
    """Hallucinated values: dropped by grounding or quoting words never said."""

    values_checked: int = 0
    violations: int = 0
    violations_per_item: float | None = None
    violation_rate: float | None = None
    items_with_violations: int = 0
    examples: list[ViolationRow] = Field(default_factory=list)


class ItemUsage(BaseModel):
    """Latency, tokens and cost of one item (first repeat), for the charts."""

    item_id: str
    latency_ms: float
    tokens: int
    cost_usd: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    replayed: bool = False


class UsageMetrics(BaseModel):
    """Tokens, cost and latency over every call of the run."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_per_item: float | None = None
    cost_usd_total: float = 0.0
    cost_usd_spent: float = Field(default=0.0, description="Paid in this run (not cached).")
    cost_usd_replayed: float = Field(default=0.0, description="Replayed from a recording.")
    cost_usd_per_item: float | None = None
    latency_mean_ms: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_max_ms: float | None = None
    cached_rate: float | None = None
    fallback_rate: float | None = None
    per_item: list[ItemUsage] = Field(default_factory=list)


class CalibrationMetrics(BaseModel):
    """Pooled ECE over every predicted value, with its reliability bins."""

    ece: float | None = None
    pairs: int = 0
    bins: list[CalibrationBin] = Field(default_factory=list)


class SummaryIssue(BaseModel):
    """A summary that misses a required fact or names a value the call never had."""

    item_id: str
    missing: list[str] = Field(default_factory=list, description="`kind: value` of each fact.")
    invented: list[str] = Field(default_factory=list)


class SummaryMetrics(BaseModel):
    """Summaries scored against the gold facts and the transcript (`evals.summaries`)."""

    items: int = Field(default=0, description="Items whose handoff had a summary to score.")
    facts_required: int = 0
    facts_present: int = 0
    facts_recall: float | None = None
    all_facts_rate: float | None = Field(default=None, description="Share naming every fact.")
    words_mean: float | None = None
    over_length_rate: float | None = None
    invented: int = 0
    invented_per_item: float | None = None
    invented_rate: float | None = Field(default=None, description="Share with any invented value.")
    issues: list[SummaryIssue] = Field(default_factory=list)


class AgreementMetrics(BaseModel):
    """With repeats: the share of items predicted identically every time."""

    repeats: int
    all_fields: float | None = None
    decision: float | None = None
    per_field: dict[str, float | None] = Field(default_factory=dict)


class RunMetrics(BaseModel):
    """Every metric of a run; `flat()` gives the names the gate and compare use."""

    items: int = 0
    repeats: int = 1
    fields: dict[str, FieldMetrics] = Field(default_factory=dict)
    intent: IntentMetrics = Field(default_factory=IntentMetrics)
    risk_flags: RiskMetrics = Field(default_factory=RiskMetrics)
    decision: DecisionMetrics = Field(default_factory=DecisionMetrics)
    grounding: GroundingMetrics = Field(default_factory=GroundingMetrics)
    calibration: CalibrationMetrics = Field(default_factory=CalibrationMetrics)
    usage: UsageMetrics = Field(default_factory=UsageMetrics)
    summary: SummaryMetrics = Field(default_factory=SummaryMetrics)
    agreement: AgreementMetrics | None = None

    def flat(self) -> dict[str, float | None]:
        """`name -> value` for every scalar metric (None = not measured in this run)."""
        out: dict[str, float | None] = {"items": float(self.items)}
        out["intent.accuracy"] = self.intent.accuracy
        out["intent.macro_f1"] = self.intent.macro_f1
        micro = self.risk_flags.micro
        out["risk_flags.micro_precision"] = micro.precision
        out["risk_flags.micro_recall"] = micro.recall
        out["risk_flags.micro_f1"] = micro.f1
        out["risk_flags.macro_f1"] = self.risk_flags.macro_f1
        for label in self.risk_flags.per_label:
            out[f"risk_flags.{label.label}.f1"] = label.f1
        out["decision.accuracy"] = self.decision.accuracy
        out["decision.cost_error"] = self.decision.cost_error
        out["grounding.violations_per_item"] = self.grounding.violations_per_item
        out["grounding.violation_rate"] = self.grounding.violation_rate
        out["calibration.ece"] = self.calibration.ece
        usage = self.usage
        out["tokens.per_item"] = usage.tokens_per_item
        out["cost.usd_per_item"] = usage.cost_usd_per_item
        out["cost.usd_total"] = usage.cost_usd_total
        out["latency.mean_ms"] = usage.latency_mean_ms
        out["latency.p50_ms"] = usage.latency_p50_ms
        out["latency.p95_ms"] = usage.latency_p95_ms
        out["fallback.rate"] = usage.fallback_rate
        summary = self.summary
        out["summary.facts_recall"] = summary.facts_recall
        out["summary.all_facts_rate"] = summary.all_facts_rate
        out["summary.words_mean"] = summary.words_mean
        out["summary.over_length_rate"] = summary.over_length_rate
        out["summary.invented_per_item"] = summary.invented_per_item
        out["summary.invented_rate"] = summary.invented_rate
        for name, field in self.fields.items():
            for stat in ("exact_match", "precision", "recall", "f1", "ece"):
                out[f"field.{name}.{stat}"] = getattr(field, stat)
        agreement = self.agreement
        out["agreement.all_fields"] = agreement.all_fields if agreement else None
        out["agreement.decision"] = agreement.decision if agreement else None
        for spec in FIELDS:
            out[f"agreement.{spec.name}"] = (
                agreement.per_field.get(spec.name) if agreement else None
            )
        return out

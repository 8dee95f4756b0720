"""Score one item: every field of the gold against the handoff, the decision, the grounding.

Pure and cheap (no I/O), so a stored run can be re-scored at any time, with any
decision-cost weights, from its stored gold items and outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from callhandoff.evals.fields import FIELDS
from callhandoff.evals.records import ItemRun
from callhandoff.evals.scorers import Outcome
from callhandoff.evals.summaries import SummaryScore, score_summary
from callhandoff.redaction.stage import redact_transcript
from callhandoff.schema.handoff import Evidence, Extracted, FieldChange, GroundingReport, Handoff
from callhandoff.schema.transcript import Transcript

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Violation:
    """A value with no support in the transcript: dropped by grounding, or quote absent."""

    field: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class ItemScore:
    """Everything the metrics need about one item of one repeat."""

    item_id: str
    repeat: int
    fields: dict[str, Outcome]
    gold_intents: tuple[str, ...]
    decision_gold: str | None
    decision_pred: str | None
    violations: tuple[Violation, ...]
    values_checked: int
    latency_ms: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    cached: bool
    fallback: bool
    summary: SummaryScore | None = None
    replayed: bool = False

    @property
    def intent_gold(self) -> str:
        """The gold primary intent."""
        return self.fields["intent"].gold[0]

    @property
    def intent_pred(self) -> str | None:
        """The predicted primary intent, None when the handoff has none."""
        pred = self.fields["intent"].pred
        return pred[0] if pred else None


def fold(text: str) -> str:
    """Case-folded words only: punctuation and spacing differences of speech-to-text ignored."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip().casefold()


def iter_extracted(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any, Evidence]]:
    """Every extracted value in a handoff: (dotted field path, value, evidence)."""
    for name in type(model).model_fields:
        current = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(current, Extracted):
            yield path, current.value, current.evidence
        elif isinstance(current, FieldChange):
            yield path, current.new_value, current.evidence
        elif isinstance(current, list):
            for element in current:
                if isinstance(element, Extracted):
                    yield path, element.value, element.evidence
                elif isinstance(element, FieldChange):
                    yield path, element.new_value, element.evidence
        elif isinstance(current, BaseModel) and not isinstance(current, GroundingReport):
            yield from iter_extracted(current, f"{path}.")


def _display(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(exclude_none=True)
    return str(getattr(value, "value", value))


def grounding_violations(handoff: Handoff, transcript: Transcript) -> tuple[list[Violation], int]:
    """Values the grounding check dropped plus kept values whose quote is not in the call.

    Returns the violations and the number of values checked (kept + dropped). The
    quote test is stricter than grounding's fuzzy match: after folding case,
    punctuation and spaces the quote must appear in one of the turns of the call as the
    backend saw it: with its secrets masked by the redaction stage.
    """
    violations = [
        Violation(dropped.field, dropped.value, f"dropped by grounding: {dropped.reason}")
        for dropped in handoff.grounding.dropped
    ]
    turns = [fold(turn.text) for turn in redact_transcript(transcript).turns]
    kept = 0
    for path, value, evidence in iter_extracted(handoff):
        kept += 1
        quote = fold(evidence.quote)
        if not quote or not any(quote in turn for turn in turns):
            violations.append(Violation(path, _display(value), "quote not in the transcript"))
    return violations, kept + len(handoff.grounding.dropped)


def score_item(run: ItemRun) -> ItemScore:
    """Score one run of one gold item; a missing result scores as an empty handoff."""
    gold = run.item.gold
    result = run.result
    handoff = result.handoff if result is not None else None
    fields: dict[str, Outcome] = {}
    for spec in FIELDS:
        predicted = spec.predicted(handoff) if handoff is not None else []
        fields[spec.name] = spec.scorer(spec.gold(gold), predicted)
    if handoff is not None:
        violations, checked = grounding_violations(handoff, run.item.transcript)
    else:
        violations, checked = [], 0
    decision = result.decision if result is not None else None
    return ItemScore(
        item_id=run.item_id,
        repeat=run.repeat,
        fields=fields,
        gold_intents=(gold.intent.value, *(intent.value for intent in gold.secondary_intents)),
        decision_gold=gold.decision.value if gold.decision is not None else None,
        decision_pred=decision.kind.value if decision is not None else None,
        violations=tuple(violations),
        values_checked=checked,
        latency_ms=run.latency_ms,
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
        cost_usd=run.cost_usd,
        cached=run.cached,
        fallback=run.error is not None
        or (handoff is not None and handoff.meta.fallback_reason is not None),
        summary=(
            score_summary(handoff, gold, run.item.transcript) if handoff is not None else None
        ),
        replayed=handoff is not None and handoff.meta.replayed,
    )

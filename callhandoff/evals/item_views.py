"""One scored item, whole: transcript, gold against predicted per field with evidence, the
decision and its reasons, the summary and how it scored.

Plain functions returning pydantic models: the HTML report, the HTML comparison
and the reviewer app's eval pages render these, none of them re-derives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from callhandoff.evals.changes import DECISION, show
from callhandoff.evals.fields import FIELDS
from callhandoff.evals.masking import Mask, secret_mask
from callhandoff.evals.records import ItemRun
from callhandoff.evals.references import Reference
from callhandoff.evals.scoring import ItemScore, score_item
from callhandoff.evals.summaries import SummaryScore


class TurnView(BaseModel):
    """One turn of the transcript, numbered as evidence cites it."""

    index: int
    speaker: str
    text: str


class FieldView(BaseModel):
    """One scored field: gold against predicted, with the evidence of each predicted value."""

    field: str
    gold: str
    predicted: str
    right: bool
    confidence: float | None = None
    evidence: list[str] = Field(default_factory=list, description="`turn 3: “quote”` each.")


class ItemView(BaseModel):
    """Everything about one item of one run that a prompt engineer reads to understand it."""

    item_id: str
    origin: str
    wrong: list[str] = Field(description="Wrong fields, and `decision` when it is wrong.")
    fields: list[FieldView]
    decision_gold: str | None = None
    decision_pred: str | None = None
    reasons: list[str] = Field(default_factory=list, description="`code: message` each.")
    summary: str = ""
    next_step: str = ""
    summary_score: SummaryScore | None = None
    reference: Reference | None = None
    transcript: list[TurnView] = Field(default_factory=list)
    error: str | None = None

    @property
    def decision_right(self) -> bool | None:
        """Whether the decision matched the gold (None without a gold decision)."""
        return None if self.decision_gold is None else self.decision_pred == self.decision_gold


def _field_views(run: ItemRun, score: ItemScore, mask: Mask) -> list[FieldView]:
    handoff = run.result.handoff if run.result is not None else None
    views = []
    for spec in FIELDS:
        outcome = score.fields[spec.name]
        preds = spec.predicted(handoff) if handoff is not None else []
        evidence = [
            f"turn {p.turn}: “{mask(p.quote)}”" for p in preds if p.turn is not None and p.quote
        ]
        views.append(
            FieldView(
                field=spec.name,
                gold=show(outcome.gold),
                predicted=show(outcome.pred),
                right=outcome.exact,
                confidence=min((p.confidence for p in preds), default=None),
                evidence=evidence,
            )
        )
    return views


def item_view(
    run: ItemRun, score: ItemScore | None = None, reference: Reference | None = None
) -> ItemView:
    """The whole view of one item run; secrets said on the call are masked everywhere."""
    score = score or score_item(run)
    mask = secret_mask(run.item.transcript)
    fields = _field_views(run, score, mask)
    wrong = [view.field for view in fields if not view.right]
    if score.decision_gold is not None and score.decision_pred != score.decision_gold:
        wrong.append(DECISION)
    result = run.result
    decision = result.decision if result is not None else None
    handoff = result.handoff if result is not None else None
    return ItemView(
        item_id=run.item_id,
        origin=run.item.origin,
        wrong=wrong,
        fields=fields,
        decision_gold=score.decision_gold,
        decision_pred=score.decision_pred,
        reasons=[f"{r.code}: {r.message}" for r in decision.reasons] if decision else [],
        summary=mask(handoff.summary) if handoff is not None else "",
        next_step=mask(handoff.next_step) if handoff is not None else "",
        summary_score=score.summary,
        reference=reference,
        transcript=[
            TurnView(index=index, speaker=turn.speaker.value, text=mask(turn.text))
            for index, turn in enumerate(run.item.transcript.turns)
        ],
        error=run.error,
    )


def item_views(
    runs: Sequence[ItemRun],
    references: Mapping[str, Reference] | None = None,
    *,
    only_wrong: bool = True,
) -> list[ItemView]:
    """Views of the first repeat's items (by default only those with something wrong)."""
    views = [
        item_view(run, reference=(references or {}).get(run.item_id))
        for run in runs
        if run.repeat == 0
    ]
    return [view for view in views if view.wrong or not only_wrong]


def wrong_counts(views: Sequence[ItemView]) -> dict[str, int]:
    """Per field (and decision): how many of the views have it wrong, most first."""
    counts: dict[str, int] = {}
    for view in views:
        for name in view.wrong:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

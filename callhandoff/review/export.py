"""Reviewed calls as gold eval data: the reviewer's values are the labels.

Each approved call (as is, or edited) becomes a `GoldItem` of origin `review`:
its transcript (sensitive spans masked), labels read from the handoff the
reviewer approved through the eval suite's own field table, the decision the
policy gives the reviewed values on its own (review when the approval had to
override review rules), and the fields the reviewer corrected. Rejected calls are left
out: a rejection says the call should not be acted on, not what it said.
`callhandoff eval run --dataset FILE` scores a backend on the file as is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from callhandoff.evals.fields import FIELDS
from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.review.masking import Masker
from callhandoff.schema.enums import Urgency
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.store import review_log
from callhandoff.store.rows import ReviewAction

Split = Literal["train", "dev"]


def labels_of(handoff: Handoff, decision: str | None) -> GoldLabels:
    """Gold labels read from a reviewed handoff (the eval suite's field table)."""
    values: dict[str, Any] = {}
    for spec in FIELDS:
        found = [pred.value for pred in spec.predicted(handoff)]
        values[spec.name] = found if spec.multi else (found[0] if found else None)
    values["prompt_injection"] = bool(values["prompt_injection"])
    if values["urgency"] is None:
        values["urgency"] = handoff.priority.level if handoff.priority else Urgency.NORMAL
    return GoldLabels.model_validate({**values, "decision": decision})


@dataclass(frozen=True)
class Export:
    """The gold items written and the reviewed calls left out, with why."""

    items: list[GoldItem]
    skipped: list[tuple[str, str]]


def _gold_decision(after: dict[str, Any]) -> str | None:
    """What the policy should decide on the reviewed values: review when the approval had to
    override review rules, else the decision it made."""
    found = after.get("policy", after.get("kind"))
    return str(found) if found else None


def _corrected(changes: list[dict[str, Any]]) -> list[str]:
    return sorted({str(change["field"]).split(":", 1)[0] for change in changes})


def reviewed_items(engine: Engine, since: datetime | None = None, split: Split = "dev") -> Export:
    """Every call's latest approval as a gold item (rejections and unlabelled calls skipped)."""
    items: list[GoldItem] = []
    skipped: list[tuple[str, str]] = []
    for found in review_log.reviewed(engine, since):
        action = found.action
        if action.action is ReviewAction.REJECT:
            skipped.append((action.call_id, f"rejected ({action.reject_reason})"))
            continue
        if action.handoff is None:
            skipped.append((action.call_id, "no reviewed handoff stored"))
            continue
        handoff = Handoff.model_validate(action.handoff)
        if handoff.request.intent is None:
            skipped.append((action.call_id, "approved without an intent"))
            continue
        transcript = Transcript.model_validate(found.transcript)
        corrected = _corrected(action.changes)
        items.append(
            GoldItem(
                id=f"review-{action.call_id}",
                origin="review",
                split=split,
                transcript=Masker.of(transcript).transcript(transcript),
                gold=labels_of(handoff, _gold_decision(action.decision_after)),
                notes=f"reviewed by {action.reviewer} on {action.at:%Y-%m-%d}"
                + (f"; corrected: {', '.join(corrected)}" if corrected else "; confirmed as is"),
                corrected_fields=corrected,
            )
        )
    return Export(items, skipped)


def lines(items: list[GoldItem]) -> Iterator[str]:
    """The JSONL lines of a gold dataset."""
    for item in items:
        yield item.model_dump_json(exclude_none=True, exclude_defaults=False)


def write(path: Path, items: list[GoldItem]) -> None:
    """Write `items` as a JSONL gold dataset (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for line in lines(items):
            handle.write(line + "\n")

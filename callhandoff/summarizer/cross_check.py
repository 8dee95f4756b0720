"""Cross-check the model's identifiers against the deterministic extractors.

Order ids, phones and emails must be exact, and regular expressions find them
exactly. Where the model and the extractors agree, the value keeps the
extractor's normalised form and the higher confidence. Where they disagree, the
extractor's grounded value wins, its confidence drops, and the disagreement is
written down in words for the reviewer (`meta.disagreements`). A model value the
extractors did not find is kept only when it is grounded, with a lower confidence.

The hybrid backend also checks the model's labels (intent, return reason, refund
expectation, urgency) against the offline classifier's (`reconcile_label`): the
more confident the calibrated classifier, the less the model can overrule it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TypeVar

from callhandoff.grounding import quote_in_text
from callhandoff.schema.handoff import Deadline, Extracted
from callhandoff.schema.transcript import Transcript

DISAGREEMENT_FACTOR = 0.6
E = TypeVar("E", bound=StrEnum)


class DeterministicLike(Protocol):
    """What cross-checking and the fallback need from `extract_deterministic`'s result."""

    @property
    def order_ids(self) -> Sequence[Extracted[str]]: ...
    @property
    def skus(self) -> Sequence[Extracted[str]]: ...
    @property
    def booking_ids(self) -> Sequence[Extracted[str]]: ...
    @property
    def names(self) -> Sequence[Extracted[str]]: ...
    @property
    def phones(self) -> Sequence[Extracted[str]]: ...
    @property
    def emails(self) -> Sequence[Extracted[str]]: ...
    @property
    def deadline(self) -> Extracted[Deadline] | None: ...
    @property
    def injection(self) -> Extracted[str] | None: ...


Extractor = Callable[[Transcript], DeterministicLike]


def default_extractor(phone_regions: list[str]) -> Extractor:
    """`callhandoff.extractors.extract_deterministic`, with the call start as reference time."""
    from callhandoff.extractors import extract_deterministic

    def extract(transcript: Transcript) -> DeterministicLike:
        fields: DeterministicLike = extract_deterministic(
            transcript, reference=transcript.reference_time(), phone_regions=phone_regions
        )
        return fields

    return extract


@dataclass
class Reconciled:
    """The value to keep for one field, the extra values, and what disagreed."""

    value: Extracted[str] | None
    others: list[Extracted[str]] = field(default_factory=list)
    disagreement: str | None = None


def _lowered(item: Extracted[str], factor: float, source: str) -> Extracted[str]:
    return item.model_copy(
        update={"confidence": round(item.confidence * factor, 3), "source": source}
    )


def _grounded(item: Extracted[str], transcript: Transcript, fuzzy_threshold: float) -> bool:
    turn = item.evidence.turn
    return turn < len(transcript.turns) and quote_in_text(
        item.evidence.quote, transcript.turns[turn].text, fuzzy_threshold=fuzzy_threshold
    )


def reconcile(
    name: str,
    llm: Extracted[str] | None,
    found: Sequence[Extracted[str]],
    normalize: Callable[[str], str | None],
    transcript: Transcript,
    *,
    fuzzy_threshold: float,
) -> Reconciled:
    """Merge the model's value for `name` with the extractors' values (see module docstring)."""
    found = list(found)
    if llm is None:
        return Reconciled(found[0] if found else None, found[1:])
    said = normalize(llm.value)
    for index, item in enumerate(found):
        if said is not None and normalize(item.value) == said:
            agreed = item.model_copy(
                update={"confidence": max(item.confidence, llm.confidence), "source": "llm+rule"}
            )
            return Reconciled(agreed, found[:index] + found[index + 1 :])
    where = f"(turn {llm.evidence.turn})"
    grounded = said is not None and _grounded(llm, transcript, fuzzy_threshold)
    if found:
        kept = found[0]
        note = (
            f"{name}: model said {llm.value!r} {where}, extractors found {kept.value!r} "
            f"(turn {kept.evidence.turn}); kept {kept.value!r}"
        )
        others = found[1:]
        if grounded and name == "order_id" and said is not None:
            others = [*others, _lowered(llm.model_copy(update={"value": said}), 1.0, "llm")]
        return Reconciled(_lowered(kept, DISAGREEMENT_FACTOR, "rule"), others, note)
    if said is None:
        return Reconciled(None, [], f"{name}: model said {llm.value!r} {where}, not a valid {name}")
    if not grounded:
        return Reconciled(
            None, [], f"{name}: model said {llm.value!r} {where}, not grounded in the call; dropped"
        )
    note = (
        f"{name}: model said {llm.value!r} {where}, extractors found none; "
        "kept with lower confidence"
    )
    kept_llm = llm.model_copy(update={"value": said})
    return Reconciled(_lowered(kept_llm, DISAGREEMENT_FACTOR, "llm"), [], note)


def reconcile_label(
    name: str, llm: Extracted[E] | None, rule: Extracted[E] | None, *, trust: float
) -> tuple[Extracted[E] | None, str | None]:
    """The model's label for `name` checked against the classifier's, and a note when they differ.

    Agreement keeps the model's evidence with the higher confidence (source
    'llm+classifier'). On disagreement the classifier's label stands when its
    calibrated confidence is at least `trust` (it is then right that often, more
    often than a small model's reading), else the model's. Without a model label
    the classifier's stands.
    """
    if llm is None:
        return rule, None
    if rule is None:
        return llm, None
    if llm.value == rule.value:
        agreed = llm.model_copy(
            update={"confidence": max(llm.confidence, rule.confidence), "source": "llm+classifier"}
        )
        return agreed, None
    kept = rule if rule.confidence >= trust else llm
    note = (
        f"{name}: model said {_label(llm.value)!r} (turn {llm.evidence.turn}), classifier said "
        f"{_label(rule.value)!r} ({rule.confidence:.2f}); kept {_label(kept.value)!r}"
    )
    return kept, note


def _label(value: object) -> str:
    return str(getattr(value, "value", value))

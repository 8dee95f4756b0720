"""The hybrid backend: exact extractors and the offline classifier, with a model reading the call.

What must be exact comes from code: order ids, SKUs, booking ids, phones, emails,
names, amounts, deadlines (resolved dates), field changes, follow-up, injection
attempts and spoken secrets, exactly as the offline backend finds them. The model
is asked only what needs reading (`HybridExtraction`: intent, return reason,
refund expectation, risk flags, urgency, summary, next step), so its prompt and
answer stay short. The two are reconciled per field (cross_check.py): the model's
label stands unless the calibrated classifier is at least
CALLHANDOFF_HYBRID_CLASSIFIER_TRUST sure of another one; the classifier fills in
whatever the model did not deliver (listed in `meta.filled`). For the return reason
and remedy the classifier's label stands whenever it has one, and one only the
model saw is kept for returns and refunds only. Risk flags are
the model's and the offline ones together (spoken card numbers and other exact
flags always among them).

When nothing usable comes back from the model, the handoff is the offline one
with `meta.fallback_reason` set, so the policy sends it to review with every
exact field a reviewer needs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx2

from callhandoff.schema.enums import Intent, ReturnReason, RiskFlag
from callhandoff.schema.handoff import DamageDetails, Extracted, ExtractionMeta, Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.cross_check import reconcile_label
from callhandoff.summarizer.llm_backend import LLMBackend, Prepared
from callhandoff.summarizer.mapping import (
    WORKFLOW_FOR_INTENT,
    cited_value,
    derived_value,
    extracted,
    salvage_report,
    with_text_fills,
)
from callhandoff.summarizer.offline import OfflineBackend
from callhandoff.summarizer.response_model import HybridExtraction
from callhandoff.summarizer.salvage import Salvage, as_model
from callhandoff.summarizer.transport import Sleep

HYBRID_MAPPING_VERSION = "hybrid-mapping-2"
CLASSIFIER = "classifier"
# A return reason or remedy the classifier did not see is taken from the model only for these.
REMEDY_INTENTS = frozenset({Intent.RETURN_OR_EXCHANGE, Intent.REFUND})
# The classifier's return reason and remedy stand against the model's at any confidence: on
# 40 held-out training returns (classifier trained without them) letting the model's reading
# win below the general trust cost return-reason F1 0.849 -> 0.740 (docs/llm.md).
REMEDY_TRUST = 0.0


class HybridBackend(LLMBackend):
    """LLMBackend asking only for the call's meaning; the rest is the offline backend's."""

    name = "hybrid"
    response_model = HybridExtraction
    default_prompt = "hybrid-v2"
    mapping_version = HYBRID_MAPPING_VERSION

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        offline: OfflineBackend | None = None,
        rng: random.Random | None = None,
    ):
        super().__init__(settings, transport=transport, sleep=sleep, rng=rng)
        self._offline = offline or OfflineBackend(settings)
        classifier = self._offline.model.info.get("train_sha256", "unknown")
        # A retrained classifier or another trust changes the handoffs: both are in the key.
        self._key_prefix = (
            f"{self._key_prefix}\nclassifier:{classifier}\ntrust:{settings.hybrid_classifier_trust}"
        )

    def _prepare(self, transcript: Transcript) -> Prepared:
        base, fields = self._offline.extract_with_fields(transcript)
        return Prepared(fields, base)

    def _fallback(
        self, transcript: Transcript, prepared: Prepared, meta: ExtractionMeta
    ) -> Handoff:
        assert prepared.base is not None
        return prepared.base.model_copy(update={"meta": meta})

    def _assemble(
        self, found: Salvage, transcript: Transcript, prepared: Prepared, meta: ExtractionMeta
    ) -> Handoff:
        assert prepared.base is not None
        return merge(
            found, transcript, prepared.base, meta, trust=self.settings.hybrid_classifier_trust
        )


@dataclass
class _Reconciler:
    """Reconciles the model's labels with the classifier's, writing down notes and fills."""

    transcript: Transcript
    trust: float
    notes: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)

    def label(
        self,
        name: str,
        said: Any,
        rule: Extracted[Any] | None,
        *,
        required: bool = True,
        trust: float | None = None,
    ) -> Extracted[Any] | None:
        kept, note = reconcile_label(
            name,
            cited_value(said, self.transcript),
            rule,
            trust=self.trust if trust is None else trust,
        )
        if note is not None:
            self.notes.append(note)
        if required and said is None and kept is not None:
            self.filled.append(f"{name} ({CLASSIFIER})")
        return kept

    def remedy(
        self, name: str, said: Any, rule: Extracted[Any] | None, intent: Extracted[Intent] | None
    ) -> Extracted[Any] | None:
        """Return reason and refund expectation: the classifier's label stands whenever it has
        one; the model's only fills a gap, and only on a return or refund."""
        if rule is None and (intent is None or intent.value not in REMEDY_INTENTS):
            return None
        return self.label(name, said, rule, required=False, trust=REMEDY_TRUST)


def _risks(
    found: Salvage, said: list[Any], base: Handoff, transcript: Transcript, filled: list[str]
) -> list[Extracted[RiskFlag]]:
    """The model's flags plus the offline ones (classifier and exact rules), each flag once."""
    if "risk_flags" in found.problems and not said:
        filled.append(f"risk_flags ({CLASSIFIER})")
    flags = [extracted(item, item.value, transcript) for item in said]
    present = {flag.value for flag in flags}
    return flags + [flag for flag in base.risk_flags if flag.value not in present]


def _damage(
    base: Handoff,
    reason: Extracted[ReturnReason] | None,
    expectation: Extracted[Any] | None,
) -> DamageDetails | None:
    if reason is None or reason.value not in (ReturnReason.DAMAGED, ReturnReason.DEFECTIVE):
        return None
    old = base.damage
    if old is not None and base.exception.return_reason == reason:
        return old.model_copy(update={"expectation": expectation})
    return DamageDetails(
        item=old.item if old is not None else None,
        description=derived_value(reason.evidence.quote, reason),
        photo_needed=reason.value is ReturnReason.DAMAGED or (old is not None and old.photo_needed),
        expectation=expectation,
    )


def merge(
    found: Salvage, transcript: Transcript, base: Handoff, meta: ExtractionMeta, *, trust: float
) -> Handoff:
    """The offline handoff `base` with the model's reading of the call reconciled in."""
    x = as_model(found, HybridExtraction)
    check = _Reconciler(transcript, trust)
    notes, filled = check.notes, check.filled
    intent = check.label("intent", x["intent"], base.request.intent)
    reason = check.remedy("return_reason", x["return_reason"], base.exception.return_reason, intent)
    expectation = check.remedy(
        "refund_expectation", x["refund_expectation"], base.exception.refund_expectation, intent
    )
    urgency = check.label("urgency", x["urgency"], base.urgency)
    request = base.request.model_copy(update={"intent": intent})
    workflow = base.workflow
    changed = intent is not None and (
        base.request.intent is None or base.request.intent.value != intent.value
    )
    if intent is not None and changed:
        intents = {intent.value, *(i.value for i in request.secondary_intents)}
        request = request.model_copy(
            update={
                "intent": intent,
                "secondary_intents": [
                    i for i in request.secondary_intents if i.value is not intent.value
                ],
                "change_kind": request.change_kind if Intent.CHANGE_ORDER in intents else None,
                "inquiry_topic": (
                    request.inquiry_topic if Intent.PRODUCT_INQUIRY in intents else None
                ),
            }
        )
        derived = WORKFLOW_FOR_INTENT.get(intent.value)
        workflow = None if derived is None else derived_value(derived, intent)
    handoff = base.model_copy(
        update={
            "request": request,
            "workflow": workflow,
            "exception": base.exception.model_copy(
                update={"return_reason": reason, "refund_expectation": expectation}
            ),
            "risk_flags": _risks(found, x["risk_flags"], base, transcript, filled),
            "damage": _damage(base, reason, expectation),
            "urgency": urgency,
            "summary": x["summary"] or "",
            "next_step": x["next_step"] or "",
            "grounding": salvage_report(found),
            "meta": meta.model_copy(
                update={
                    "disagreements": [*meta.disagreements, *notes],
                    "filled": [*meta.filled, *filled],
                }
            ),
        }
    )
    return with_text_fills(handoff, found)

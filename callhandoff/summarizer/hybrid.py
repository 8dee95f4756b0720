"""The hybrid backend: exact extractors and the offline classifier, with a model reading the call.

What must be exact comes from code: order ids, SKUs, booking ids, phones, emails,
names, amounts, deadlines (resolved dates), field changes, follow-up, injection
attempts and spoken secrets, exactly as the offline backend finds them. The model
is asked only what needs reading (`HybridExtraction`: intent, return reason,
refund expectation, risk flags, urgency, summary, next step), so its prompt and
answer stay short. The two are reconciled per field (cross_check.py): the model's
label stands, the classifier's is the cross-check and fills in whatever the model
did not deliver (listed in `meta.filled`); spoken card numbers and other exact
risk flags are always kept.

When nothing usable comes back from the model, the handoff is the offline one
with `meta.fallback_reason` set, so the policy sends it to review with every
exact field a reviewer needs.
"""

from __future__ import annotations

import random
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

HYBRID_MAPPING_VERSION = "hybrid-mapping-1"
CLASSIFIER = "classifier"


class HybridBackend(LLMBackend):
    """LLMBackend asking only for the call's meaning; the rest is the offline backend's."""

    name = "hybrid"
    response_model = HybridExtraction
    default_prompt = "hybrid-v1"
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
        # A retrained classifier changes the handoffs: it is part of the cache key.
        self._key_prefix = f"{self._key_prefix}\nclassifier:{classifier}"

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
        return merge(found, transcript, prepared.base, meta)


def _label(
    name: str,
    said: Any,
    rule: Extracted[Any] | None,
    transcript: Transcript,
    notes: list[str],
    filled: list[str],
) -> Extracted[Any] | None:
    kept, note = reconcile_label(name, cited_value(said, transcript), rule)
    if note is not None:
        notes.append(note)
    if said is None and kept is not None:
        filled.append(f"{name} ({CLASSIFIER})")
    return kept


def _risks(
    found: Salvage, said: list[Any], base: Handoff, transcript: Transcript, filled: list[str]
) -> list[Extracted[RiskFlag]]:
    """The model's flags plus those exact rules prove; the classifier's if the model failed."""
    exact = [flag for flag in base.risk_flags if flag.source != CLASSIFIER]
    if "risk_flags" in found.problems and not said:
        filled.append(f"risk_flags ({CLASSIFIER})")
        return list(base.risk_flags)
    flags = [extracted(item, item.value, transcript) for item in said]
    present = {flag.value for flag in flags}
    return flags + [flag for flag in exact if flag.value not in present]


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


def merge(found: Salvage, transcript: Transcript, base: Handoff, meta: ExtractionMeta) -> Handoff:
    """The offline handoff `base` with the model's reading of the call reconciled in."""
    x = as_model(found, HybridExtraction)
    notes: list[str] = []
    filled: list[str] = []
    intent = _label("intent", x["intent"], base.request.intent, transcript, notes, filled)
    reason = _label(
        "return_reason", x["return_reason"], base.exception.return_reason, transcript, notes, []
    )
    expectation = _label(
        "refund_expectation",
        x["refund_expectation"],
        base.exception.refund_expectation,
        transcript,
        notes,
        [],
    )
    urgency = _label("urgency", x["urgency"], base.urgency, transcript, notes, filled)
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

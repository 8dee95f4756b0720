"""The offline backend: exact extractors + the learned classifier + templates. No key, no server.

It is the embedded default, so a new user gets real output at once, and it is
scored by the same eval suite as any LLM. Every value it emits carries evidence
quoted from the transcript, so the grounding check normally drops nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

from callhandoff.extractors import extract_deterministic
from callhandoff.extractors.changes import find_field_changes
from callhandoff.extractors.classifier.features import DocFeatures
from callhandoff.extractors.classifier.heads import NONE
from callhandoff.extractors.classifier.inputs import document_for
from callhandoff.extractors.classifier.model import ClassifierModel, Prediction
from callhandoff.extractors.fields import DeterministicFields
from callhandoff.extractors.follow_up import find_follow_up
from callhandoff.schema.enums import (
    ChangeKind,
    InquiryTopic,
    Intent,
    RefundExpectation,
    ReturnReason,
    RiskFlag,
    Sentiment,
    Urgency,
    Workflow,
)
from callhandoff.schema.handoff import (
    Caller,
    DamageDetails,
    Evidence,
    ExceptionDetails,
    Extracted,
    ExtractionMeta,
    Handoff,
    Records,
    Request,
)
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.template import next_step, summarize

E = TypeVar(
    "E",
    Intent,
    ReturnReason,
    RefundExpectation,
    Urgency,
    Sentiment,
    Workflow,
    ChangeKind,
    InquiryTopic,
    RiskFlag,
)

MAX_SECONDARY_INTENTS = 2
# The remedy a caller settles on decides between a refund and a return (label guide).
_REMEDY_INTENT = {
    RefundExpectation.FULL_REFUND: Intent.REFUND,
    RefundExpectation.PARTIAL_REFUND: Intent.REFUND,
    RefundExpectation.STORE_CREDIT: Intent.REFUND,
    RefundExpectation.REPLACEMENT: Intent.RETURN_OR_EXCHANGE,
    RefundExpectation.EXCHANGE: Intent.RETURN_OR_EXCHANGE,
    RefundExpectation.REPAIR: Intent.RETURN_OR_EXCHANGE,
}
_PHOTO_REQUEST = ("photo", "picture", "pic ", "video", "image")


class OfflineBackend:
    """Deterministic, local extraction; loads its model once and is safe to reuse."""

    name = "offline"

    def __init__(self, settings: Settings, model: ClassifierModel | None = None):
        self.settings = settings
        self.model = model or ClassifierModel.load(settings.classifier_path)

    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        """One handoff per transcript, in order."""
        for transcript in transcripts:
            yield self.extract(transcript)

    def close(self) -> None:
        """Nothing to release."""

    def extract(self, transcript: Transcript) -> Handoff:
        """The handoff for one call (not yet grounded: the pipeline grounds every backend)."""
        return self.extract_with_fields(transcript)[0]

    def extract_with_fields(self, transcript: Transcript) -> tuple[Handoff, DeterministicFields]:
        """The handoff for one call and the extractors' fields it was built from."""
        started = time.perf_counter()
        reference = transcript.reference_time()
        fields = extract_deterministic(
            transcript, reference=reference, phone_regions=self.settings.phone_regions
        )
        doc = document_for(transcript, fields, reference=reference)
        predictions = self.model.score(doc)
        handoff = self._assemble(transcript, fields, doc, predictions)
        meta = handoff.meta.model_copy(
            update={"latency_ms": round((time.perf_counter() - started) * 1000, 3)}
        )
        return handoff.model_copy(
            update={"summary": summarize(handoff), "next_step": next_step(handoff), "meta": meta}
        ), fields

    # ------------------------------------------------------------------ assembly
    def _assemble(
        self,
        transcript: Transcript,
        fields: DeterministicFields,
        doc: DocFeatures,
        predictions: dict[str, Prediction],
    ) -> Handoff:
        labeller = _Labeller(doc, predictions)
        expectation = labeller.one("refund_expectation", RefundExpectation)
        intent = labeller.intent_for_remedy(labeller.one("intent", Intent), expectation)
        secondary = labeller.secondary_intents(intent)
        intents = {i.value for i in ([intent] if intent else []) + secondary}
        reason = labeller.one("return_reason", ReturnReason)
        risks = labeller.risk_flags()
        risks = _with_exact_risks(risks, fields, reason)
        records = Records(
            order_id=fields.order_ids[0] if fields.order_ids else None,
            other_order_ids=list(fields.order_ids[1:]),
            product_skus=list(fields.skus),
            booking_id=fields.booking_ids[0] if fields.booking_ids else None,
        )
        damage = None
        if reason is not None and reason.value in (ReturnReason.DAMAGED, ReturnReason.DEFECTIVE):
            damage = DamageDetails(
                description=_as_text(reason),
                photo_needed=_photo_requested(transcript) or reason.value is ReturnReason.DAMAGED,
                expectation=expectation,
            )
        inquiry = labeller.one("inquiry_topic", InquiryTopic)
        return Handoff(
            call_id=transcript.call_id,
            destination=transcript.destination,
            caller=Caller(
                name=fields.names[0] if fields.names else None,
                phone=fields.phones[0] if fields.phones else None,
                email=fields.emails[0] if fields.emails else None,
            ),
            records=records,
            request=Request(
                intent=intent,
                secondary_intents=secondary,
                change_kind=(
                    labeller.one("change_kind", ChangeKind)
                    if Intent.CHANGE_ORDER in intents
                    else None
                ),
                inquiry_topic=inquiry if Intent.PRODUCT_INQUIRY in intents else None,
            ),
            exception=ExceptionDetails(
                return_reason=reason,
                refund_expectation=expectation,
                deadline=fields.deadline,
                availability_question=(
                    _as_text(inquiry)
                    if inquiry is not None
                    and inquiry.value in (InquiryTopic.AVAILABILITY, InquiryTopic.STOCK)
                    else None
                ),
            ),
            field_changes=find_field_changes(transcript),
            follow_up=find_follow_up(transcript),
            risk_flags=risks,
            workflow=labeller.one("workflow", Workflow),
            damage=damage,
            urgency=labeller.one("urgency", Urgency),
            sentiment=labeller.one("sentiment", Sentiment),
            prompt_injection=fields.injection,
            meta=ExtractionMeta(
                backend=self.name,
                model=f"offline-classifier/{self.model.info.get('train_sha256', 'unknown')[:12]}",
                created_at=datetime.now(UTC),
            ),
        )


class _Labeller:
    """Turns head predictions into Extracted values quoting the deciding sentence."""

    def __init__(self, doc: DocFeatures, predictions: dict[str, Prediction]):
        self.doc = doc
        self.predictions = predictions

    def _evidence(self, sentence: int | None) -> Evidence | None:
        if sentence is None or not self.doc.sentences:
            return None
        chosen = self.doc.sentences[sentence]
        return Evidence(turn=chosen.turn, quote=chosen.text)

    def _value(self, head: str, value: E) -> Extracted[E] | None:
        """`value` as an Extracted quoting the sentence that decided `head`, or None."""
        prediction = self.predictions[head]
        evidence = self._evidence(prediction.sentence)
        if evidence is None:
            return None
        return Extracted(
            value=value,
            confidence=round(prediction.probability, 4),
            evidence=evidence,
            source="classifier",
        )

    def one(self, head: str, enum: type[E]) -> Extracted[E] | None:
        """The label of a multi-class head, unless it is `none`."""
        label = self.predictions[head].label
        return None if label == NONE else self._value(head, enum(label))

    def _yes(self, prefix: str, values: Iterable[E]) -> list[Extracted[E]]:
        """The values whose binary head `<prefix>:<value>` says yes."""
        found: list[Extracted[E]] = []
        for value in values:
            head = f"{prefix}:{value}"
            if head in self.predictions and self.predictions[head].label == "yes":
                extracted = self._value(head, value)
                if extracted is not None:
                    found.append(extracted)
        return found

    def secondary_intents(self, primary: Extracted[Intent] | None) -> list[Extracted[Intent]]:
        """Other intents the caller asked for, most probable first."""
        others = [i for i in Intent if primary is None or i is not primary.value]
        found = sorted(self._yes("mention", others), key=lambda item: -item.confidence)
        return found[:MAX_SECONDARY_INTENTS]

    def intent_for_remedy(
        self, intent: Extracted[Intent] | None, remedy: Extracted[RefundExpectation] | None
    ) -> Extracted[Intent] | None:
        """Refund or return: the remedy the caller settles on decides between the two."""
        if intent is None or remedy is None or intent.value not in _REMEDY_INTENT.values():
            return intent
        wanted = _REMEDY_INTENT.get(remedy.value)
        if wanted is None or wanted is intent.value:
            return intent
        prediction = self.predictions["intent"]
        labels = [i.value for i in Intent]
        probability = prediction.distribution[labels.index(wanted.value)]
        return intent.model_copy(
            update={
                "value": wanted,
                "confidence": round(probability, 4),
                "evidence": remedy.evidence,
            }
        )

    def risk_flags(self) -> list[Extracted[RiskFlag]]:
        """Every risk flag the classifier raises, with its deciding sentence."""
        return self._yes("risk", RiskFlag)


def _with_exact_risks(
    flags: list[Extracted[RiskFlag]],
    fields: DeterministicFields,
    reason: Extracted[ReturnReason] | None,
) -> list[Extracted[RiskFlag]]:
    """Add the flags exact extractors prove: spoken card numbers/passwords, damaged returns.

    A secret the redaction stage masked is proof: its flag quotes the masked sentence,
    in place of whatever sentence the classifier leaned on.
    """
    if fields.sensitive:
        flags = [f for f in flags if f.value is not RiskFlag.SENSITIVE_DATA_SHARED]
    present = {flag.value for flag in flags}
    extra: list[Extracted[RiskFlag]] = []
    if fields.sensitive:
        found = fields.sensitive[0]
        extra.append(
            Extracted[RiskFlag](
                value=RiskFlag.SENSITIVE_DATA_SHARED,
                confidence=found.confidence,
                evidence=found.evidence,
                source=found.source,
            )
        )
    if (
        reason is not None
        and reason.value is ReturnReason.DAMAGED
        and RiskFlag.DAMAGED_ITEM not in present
    ):
        extra.append(
            Extracted[RiskFlag](
                value=RiskFlag.DAMAGED_ITEM,
                confidence=reason.confidence,
                evidence=reason.evidence,
                source="classifier:return_reason",
            )
        )
    return flags + extra


def _as_text(value: Extracted[ReturnReason] | Extracted[InquiryTopic]) -> Extracted[str]:
    return Extracted[str](
        value=value.evidence.quote,
        confidence=value.confidence,
        evidence=value.evidence,
        source=value.source,
    )


def _photo_requested(transcript: Transcript) -> bool:
    return any(cue in turn.text.lower() for turn in transcript.turns for cue in _PHOTO_REQUEST)

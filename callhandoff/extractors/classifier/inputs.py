"""Build the classifier's input for one transcript: sentence features plus document cues.

Training and inference both call `document_for`, so the model sees the same
features in both.
"""

from __future__ import annotations

from datetime import datetime

from callhandoff.extractors.classifier.cues import days_until, doc_cues
from callhandoff.extractors.classifier.features import DocFeatures, featurize
from callhandoff.extractors.fields import DeterministicFields
from callhandoff.schema.transcript import Transcript


def document_for(
    transcript: Transcript, fields: DeterministicFields, *, reference: datetime
) -> DocFeatures:
    """The classifier input: the caller's sentences and cues from the exact extractors."""
    deadline = fields.deadline.value.date if fields.deadline is not None else None
    cues = doc_cues(
        transcript,
        deadline_days=days_until(deadline, reference.date()),
        has_order_id=bool(fields.order_ids),
        has_amount=bool(fields.amounts),
        has_sensitive=bool(fields.sensitive),
    )
    return featurize(transcript, cues)

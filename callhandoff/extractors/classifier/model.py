"""The offline classifier: linear heads learned from the gold data, scored per sentence.

One weight matrix holds every head (intent, return reason, refund expectation,
urgency, sentiment, workflow, change kind, inquiry topic, one binary head per
risk flag). A document's score for a head is the sum of its sentences'
contributions (optionally re-weighted, see `features.preference_weights`),
L2-normalised like the training vectors, plus the head's bias; a temperature
fitted on cross-validated predictions turns scores into calibrated
probabilities. Because the score is a sum over sentences, the sentence that
contributed most to the winning label is the evidence quoted for it.

The weights are trained by `scripts/train_classifier.py` and shipped as package
data (`weights.npz`, `meta.json`); inference needs only numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from callhandoff.exceptions import ConfigError
from callhandoff.extractors.classifier.features import DocFeatures, preference_weights

FloatArray = NDArray[np.float32]
NONE_LABEL = "none"


@dataclass(frozen=True)
class HeadSpec:
    """One output head: its labels, its columns in the weight matrix, how it weighs sentences."""

    name: str
    labels: tuple[str, ...]
    offset: int
    temperature: float
    preference: bool  # discount sentences before the caller's last correction
    threshold: float  # binary heads: P(yes) needed; multi-class: unused

    @property
    def columns(self) -> slice:
        return slice(self.offset, self.offset + len(self.labels))


@dataclass(frozen=True)
class Prediction:
    """One head's verdict: label, calibrated probability, evidence sentence, all probabilities."""

    label: str
    probability: float
    sentence: int | None
    probabilities: dict[str, float]
    sentences: dict[str, int]  # per label: the sentence that argues for it most


class ClassifierModel:
    """Loaded weights plus the scoring routine. Immutable after loading."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        weights: FloatArray,
        bias: FloatArray,
        heads: dict[str, HeadSpec],
        info: dict[str, Any],
        correction_discount: float,
    ):
        self.vocabulary = vocabulary
        # One extra all-zero row so a sentence with no known feature still has a row.
        self._weights = np.vstack([weights, np.zeros((1, weights.shape[1]), dtype=np.float32)])
        self._zero_row = weights.shape[0]
        self.bias = bias
        self.heads = heads
        self.info = info
        self.correction_discount = correction_discount

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, directory: Path | None = None) -> ClassifierModel:
        """Load `meta.json` + `weights.npz` from `directory` (default: the shipped model)."""
        if directory is None:
            root = resources.files("callhandoff.extractors.classifier") / "trained"
            directory = Path(str(root))
        meta_path, weights_path = directory / "meta.json", directory / "weights.npz"
        if not meta_path.exists() or not weights_path.exists():
            raise ConfigError(
                f"no trained classifier in {directory}: run `python scripts/train_classifier.py`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        arrays = np.load(weights_path)
        heads = {
            name: HeadSpec(
                name=name,
                labels=tuple(spec["labels"]),
                offset=spec["offset"],
                temperature=spec["temperature"],
                preference=spec["preference"],
                threshold=spec.get("threshold", 0.5),
            )
            for name, spec in meta["heads"].items()
        }
        vocabulary = {feature: index for index, feature in enumerate(meta["vocabulary"])}
        return cls(
            vocabulary=vocabulary,
            weights=arrays["weights"].astype(np.float32),
            bias=arrays["bias"].astype(np.float32),
            heads=heads,
            info=meta.get("info", {}),
            correction_discount=meta.get("correction_discount", 0.35),
        )

    # ---------------------------------------------------------------- scoring
    def _indexes(self, features: list[str]) -> list[int]:
        vocabulary = self.vocabulary
        found = [vocabulary[f] for f in features if f in vocabulary]
        return found or [self._zero_row]

    def score(self, doc: DocFeatures) -> dict[str, Prediction]:
        """Every head's prediction for one document."""
        sentence_indexes = [self._indexes(features) for features in doc.sentence_features]
        if not sentence_indexes:
            sentence_indexes = [[self._zero_row]]
        lengths = np.fromiter((len(ix) for ix in sentence_indexes), dtype=np.int64)
        flat = np.fromiter((i for ix in sentence_indexes for i in ix), dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        contributions = np.add.reduceat(self._weights[flat], starts, axis=0)  # sentences x outputs
        doc_indexes = self._indexes(doc.doc_features) if doc.doc_features else [self._zero_row]
        doc_row = self._weights[doc_indexes].sum(axis=0)

        uniform = np.ones(len(sentence_indexes), dtype=np.float32)
        schemes = {False: uniform}
        if any(head.preference for head in self.heads.values()) and doc.sentences:
            schemes[True] = np.asarray(
                preference_weights(doc, self.correction_discount), dtype=np.float32
            )
        sentence_of_flat = np.repeat(np.arange(len(sentence_indexes)), lengths)
        totals = {key: weights @ contributions + doc_row for key, weights in schemes.items()}
        norms = {
            key: _l2_norm(flat, weights[sentence_of_flat], doc_indexes, self._zero_row)
            for key, weights in schemes.items()
        }
        predictions: dict[str, Prediction] = {}
        for name, head in self.heads.items():
            key = head.preference and True in schemes
            logits = totals[key][head.columns] / norms[key] + self.bias[head.columns]
            weights = schemes[key]
            predictions[name] = self._predict(head, logits, contributions, weights)
        return predictions

    def _predict(
        self, head: HeadSpec, logits: FloatArray, contributions: FloatArray, weights: FloatArray
    ) -> Prediction:
        scaled = logits / head.temperature
        scaled = scaled - scaled.max()
        probs = np.exp(scaled)
        probs = probs / probs.sum()
        if len(head.labels) == 2 and head.labels[0] == "no":
            best = 1 if probs[1] >= head.threshold else 0
        else:
            best = int(np.argmax(probs))
        columns = contributions[:, head.columns]
        if len(head.labels) == 2:
            # Binary head: the sentence pushing hardest towards the chosen side.
            margin = columns[:, 1] - columns[:, 0]
            evidence_scores = (margin if best == 1 else -margin) * weights
        else:
            evidence_scores = (columns[:, best] - columns.mean(axis=1)) * weights
        sentence = int(np.argmax(evidence_scores)) if len(evidence_scores) else None
        per_label = (
            np.argmax((columns - columns.mean(axis=1, keepdims=True)) * weights[:, None], axis=0)
            if len(columns)
            else np.zeros(len(head.labels), dtype=np.int64)
        )
        return Prediction(
            label=head.labels[best],
            probability=float(probs[best]),
            sentence=sentence,
            probabilities={label: float(p) for label, p in zip(head.labels, probs, strict=True)},
            sentences={label: int(i) for label, i in zip(head.labels, per_label, strict=True)},
        )


def _l2_norm(
    flat: NDArray[np.int64], weights: FloatArray, doc_indexes: list[int], zero: int
) -> float:
    """Norm of the aggregated feature-count vector, as the training vectors were scaled."""
    indexes = np.concatenate([flat, np.asarray(doc_indexes, dtype=np.int64)])
    values = np.concatenate([weights, np.ones(len(doc_indexes), dtype=np.float32)])
    keep = indexes != zero
    if not keep.any():
        return 1.0
    unique, inverse = np.unique(indexes[keep], return_inverse=True)
    summed = np.zeros(len(unique), dtype=np.float64)
    np.add.at(summed, inverse, values[keep])
    norm = float(np.sqrt((summed**2).sum()))
    return norm if norm > 0 else 1.0

"""The offline classifier: linear heads learned from the gold data, scored per sentence.

One weight matrix holds every head (intent, intents mentioned, return reason,
refund expectation, urgency, sentiment, workflow, change kind, inquiry topic,
one binary head per risk flag). A document's score for a head is the sum of its
sentences' contributions (re-weighted for the heads where the caller's last word
counts, see `features.preference_weights`), L2-normalised like the training
vectors, plus the head's bias; a temperature fitted on cross-validated
predictions turns scores into calibrated probabilities. Because the score is a
sum over sentences, the sentence that pushed hardest towards the chosen label
is the evidence quoted for it.

All heads are scored together with a handful of numpy operations, so scoring
costs about the same for 10 heads or 40. The weights are trained by
`scripts/train_classifier.py` and shipped as package data (`trained/`);
inference needs only numpy.
"""

from __future__ import annotations

import itertools
import json
import operator
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from callhandoff.exceptions import ConfigError
from callhandoff.extractors.classifier.features import DocFeatures, preference_weights
from callhandoff.extractors.classifier.files import classifier_files
from callhandoff.extractors.classifier.heads import NONE

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]
_FROM_AGENT = operator.attrgetter("from_agent")


@dataclass(frozen=True)
class HeadSpec:
    """One output head: its labels, its columns in the weight matrix, how it weighs sentences."""

    name: str
    labels: tuple[str, ...]
    offset: int
    temperature: float
    preference: bool  # discount sentences before the caller's last correction
    threshold: float  # binary heads: P(yes) needed; multi-class: unused
    none_threshold: float | None = None  # optional heads: P(none) needed to give no value

    @property
    def binary(self) -> bool:
        return self.labels == ("no", "yes")


@dataclass(frozen=True)
class Prediction:
    """One head's verdict: label, calibrated probability, and the evidence sentence's index."""

    label: str
    probability: float
    sentence: int | None
    distribution: tuple[float, ...] = ()  # the head's probability of each of its labels


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
        ordered = sorted(heads.values(), key=lambda head: head.offset)
        self._order = ordered
        self._offsets = np.array([head.offset for head in ordered], dtype=np.int64)
        self._sizes = np.array([len(head.labels) for head in ordered], dtype=np.int64)
        self._temperature = np.repeat([head.temperature for head in ordered], self._sizes)
        self._preference_heads = np.array([head.preference for head in ordered])
        self._preference_outputs = np.repeat(self._preference_heads, self._sizes)

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, directory: Path | None = None) -> ClassifierModel:
        """Load `meta.json` + `weights.npz` from `directory` (default: the shipped model)."""
        meta_path, weights_path = classifier_files(directory)

        def unreadable(problem: str) -> ConfigError:
            return ConfigError(
                f"the classifier in {meta_path.parent} cannot be read: {problem}; "
                "train it again with `python scripts/train_classifier.py`"
            )

        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise unreadable(f"{meta_path.name}: {exc}") from None
        try:
            loaded = np.load(weights_path, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):  # a bare array saved as .npz
                raise ValueError("not an archive")
            with loaded as arrays:
                weights, bias = arrays["weights"], arrays["bias"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
            raise unreadable(f"{weights_path.name} is not a weights archive") from None
        try:
            return cls.from_arrays(
                vocabulary=meta["vocabulary"],
                weights=weights.astype(np.float32),
                bias=bias.astype(np.float32),
                heads=meta["heads"],
                info=meta.get("info", {}),
                correction_discount=meta.get("correction_discount", 0.35),
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise unreadable(f"{meta_path.name} does not match its weights ({exc!r})") from None

    @classmethod
    def from_arrays(
        cls,
        *,
        vocabulary: list[str],
        weights: FloatArray,
        bias: FloatArray,
        heads: dict[str, dict[str, Any]],
        info: dict[str, Any],
        correction_discount: float,
    ) -> ClassifierModel:
        """A model from its parts as `meta.json` describes them (training builds it this way)."""
        specs = {
            name: HeadSpec(
                name=name,
                labels=tuple(spec["labels"]),
                offset=spec["offset"],
                temperature=spec["temperature"],
                preference=spec["preference"],
                threshold=spec.get("threshold", 0.5),
                none_threshold=spec.get("none_threshold"),
            )
            for name, spec in heads.items()
        }
        return cls(
            vocabulary={feature: index for index, feature in enumerate(vocabulary)},
            weights=weights,
            bias=bias,
            heads=specs,
            info=info,
            correction_discount=correction_discount,
        )

    # ---------------------------------------------------------------- scoring
    def _indexes(self, features: list[str]) -> list[int]:
        found = [i for i in map(self.vocabulary.get, features) if i is not None]
        return found or [self._zero_row]

    def _sentence_indexes(self, sentence_features: list[list[str]]) -> tuple[IntArray, IntArray]:
        """Every sentence's known feature rows, concatenated in order, and how many each has.

        A sentence with no known feature gets the all-zero row; a document with no
        sentence is one such sentence.
        """
        if not sentence_features:
            return np.array([self._zero_row], dtype=np.int64), np.ones(1, dtype=np.int64)
        sizes = np.fromiter(map(len, sentence_features), dtype=np.int64)
        unknown = itertools.repeat(-1)
        found = np.fromiter(
            map(self.vocabulary.get, itertools.chain.from_iterable(sentence_features), unknown),
            dtype=np.int64,
            count=int(sizes.sum()),
        )
        known = found >= 0
        flat = found[known]
        sentence = np.repeat(np.arange(len(sizes)), sizes)
        lengths = np.bincount(sentence[known], minlength=len(sizes))
        empty = lengths == 0
        if empty.any():
            ends = np.cumsum(lengths)
            flat = np.insert(flat, ends[empty], self._zero_row)
            lengths[empty] = 1
        return flat, lengths

    def _norm(self, present: IntArray, counts: NDArray[np.float64]) -> float:
        """L2 norm of the aggregated sentence-feature counts, as in training.

        Counted over the features present only (not the whole vocabulary): `present` are
        the distinct rows in order, `counts` how much each weighs in the document.
        """
        counts[present == self._zero_row] = 0.0
        norm = float(np.sqrt(np.dot(counts, counts)))
        return norm if norm > 0 else 1.0

    def probabilities(self, doc: DocFeatures) -> dict[str, list[float]]:
        """Every head's calibrated distribution over its labels (training tunes abstention
        thresholds on these)."""
        probs = self._forward(doc)[0].tolist()
        return {
            head.name: probs[head.offset : head.offset + len(head.labels)] for head in self._order
        }

    def score(self, doc: DocFeatures) -> dict[str, Prediction]:
        """Every head's prediction for one document."""
        probs, contributions, uniform, preference = self._forward(doc)
        probabilities = probs.tolist()
        chosen = self._choose(probabilities)
        # Evidence: per head, the sentence whose contribution to the chosen label stands
        # out most from its contribution to the head's other labels.
        head_means = np.add.reduceat(contributions, self._offsets, axis=1) / self._sizes
        sentence_weights = np.where(self._preference_heads, preference[:, None], uniform[:, None])
        evidence = (contributions[:, chosen] - head_means) * sentence_weights
        agent = np.fromiter(map(_FROM_AGENT, doc.sentences), dtype=bool, count=len(doc.sentences))
        if len(agent) == len(evidence) and not agent.all():
            evidence[agent] = -np.inf  # only the caller's own words are quoted
        best_sentence = np.argmax(evidence, axis=0).tolist()
        has_sentences = bool(doc.sentences)
        return {
            head.name: Prediction(
                label=head.labels[column - head.offset],
                probability=probabilities[column],
                sentence=best_sentence[index] if has_sentences else None,
                distribution=tuple(probabilities[head.offset : head.offset + len(head.labels)]),
            )
            for index, (head, column) in enumerate(zip(self._order, chosen, strict=True))
        }

    def _forward(self, doc: DocFeatures) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Probabilities of every output, per-sentence contributions and sentence weights."""
        flat, lengths = self._sentence_indexes(doc.sentence_features)
        doc_indexes = self._indexes(doc.doc_features)
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        contributions = np.add.reduceat(self._weights[flat], starts, axis=0)  # sentences x outputs
        doc_row = self._weights[doc_indexes].sum(axis=0)

        uniform = np.ones(len(lengths), dtype=np.float32)
        preference = uniform
        if len(doc.sentences) == len(lengths):
            preference = np.asarray(
                preference_weights(doc, self.correction_discount), dtype=np.float32
            )
        logits = self._logits(contributions, doc_row, flat, lengths, uniform, preference)

        # Softmax within each head, all heads at once.
        scaled = logits / self._temperature
        scaled -= np.repeat(np.maximum.reduceat(scaled, self._offsets), self._sizes)
        exp = np.exp(scaled)
        probs = exp / np.repeat(np.add.reduceat(exp, self._offsets), self._sizes)
        return probs, contributions, uniform, preference

    def _logits(
        self,
        contributions: FloatArray,
        doc_row: FloatArray,
        flat: IntArray,
        lengths: IntArray,
        uniform: FloatArray,
        preference: FloatArray,
    ) -> FloatArray:
        """Sentence features L2-normalised, document features added as they are, plus bias."""
        present, counts = np.unique(flat, return_counts=True)
        logits = (uniform @ contributions) / self._norm(present, counts.astype(np.float64))
        if preference is not uniform and (preference != 1.0).any():
            values = np.repeat(preference, lengths).astype(np.float32)
            position = np.unique(flat, return_inverse=True)[1]
            weighted = np.asarray(np.bincount(position, weights=values), dtype=np.float64)
            preferred = (preference @ contributions) / self._norm(present, weighted)
            logits = np.where(self._preference_outputs, preferred, logits)
        return logits + doc_row + self.bias

    def _choose(self, probs: list[float]) -> list[int]:
        """The chosen column of each head: argmax, or `yes` above the threshold for binary heads."""
        chosen: list[int] = []
        for head in self._order:
            start = head.offset
            if head.binary:
                chosen.append(start + (1 if probs[start + 1] >= head.threshold else 0))
                continue
            segment = probs[start : start + len(head.labels)]
            if head.none_threshold is not None and head.labels[0] == NONE:
                # Abstain only when `none` is likely enough; otherwise the best value.
                if segment[0] >= head.none_threshold:
                    chosen.append(start)
                else:
                    values = segment[1:]
                    chosen.append(start + 1 + values.index(max(values)))
                continue
            chosen.append(start + segment.index(max(segment)))
        return chosen

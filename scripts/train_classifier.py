"""Train the offline classifier from the gold training split and ship its weights.

    python scripts/train_classifier.py [--train evals/datasets/train.jsonl]

For every head in `callhandoff.extractors.classifier.heads.HEADS` it fits an
L2-regularised logistic regression (scikit-learn; a training-only dependency,
`pip install -e ".[train]"`), picks the regularisation strength by 5-fold
cross-validation, fits a temperature on the out-of-fold probabilities so the
shipped confidences are calibrated, and for binary risk heads picks the
probability threshold with the best out-of-fold F1. Writes
`callhandoff/extractors/classifier/trained/{meta.json,weights.npz}` and prints
the cross-validated scores. Only `split == "train"` items are read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from callhandoff.evals.gold import GoldItem
from callhandoff.extractors import extract_deterministic
from callhandoff.extractors.classifier.features import DocFeatures, preference_weights
from callhandoff.extractors.classifier.heads import HEADS, NONE, HeadDefinition
from callhandoff.extractors.classifier.inputs import document_for
from callhandoff.extractors.classifier.model import ClassifierModel
from callhandoff.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "callhandoff/extractors/classifier/trained"
C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0)
FOLDS = 4
TOL = 1e-3
MIN_DOC_FREQ = 2
CORRECTION_DISCOUNT = 0.35
UNSEEN_BIAS = -12.0
# Phone calls are what the product reads, but most labelled items are CuCoM chats:
# each hand-written call counts this many times so both styles are learned.
PHONE_CALL_WEIGHT = 2.0
# Whole-call concept and word presence (concepts the caller and the agent said: "legal",
# "travel", "damage"; words the caller said: "chargeback", "swollen") helps the risk heads
# spot rare situations but drowns the sentence evidence most other heads rely on. The
# return-reason head reads it too: a reason is often told across several turns ("it came
# Tuesday" ... "the colour is nothing like the picture"), and with strong regularisation
# (C 0.25 rather than 16, searched on value F1) the whole call's words and concepts raised
# its cross-validated F1 from 0.746 to 0.752 (phone calls 0.736 to 0.753); concepts alone
# lowered it (0.706), and so did the words alone (0.670 at C 16).
CONCEPT_PRESENCE = ("DOC:CON:", "DOC:NOTCON:", "DOC:A:CON:", "DOC:A:NOTCON:", "DOC:W:")
PRESENCE_HEADS = ("risk:", "return_reason")

# Optional heads whose regularisation is chosen for the value F1 the eval suite scores
# (rather than macro-F1 plus accuracy over every label, `none` included).
VALUE_F1_SELECTION = frozenset({"return_reason"})


def uses_concept_presence(head: str) -> bool:
    return head.startswith(PRESENCE_HEADS)


def load_documents(path: Path) -> tuple[list[GoldItem], list[DocFeatures], str]:
    settings = Settings()
    items, docs = [], []
    raw = path.read_bytes()
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        item = GoldItem.model_validate_json(line)
        if item.split != "train":
            continue
        reference = item.transcript.started_at
        assert reference is not None, f"{item.id}: gold transcripts need started_at"
        fields = extract_deterministic(
            item.transcript, reference=reference, phone_regions=settings.phone_regions
        )
        items.append(item)
        docs.append(document_for(item.transcript, fields, reference=reference))
    return items, docs, hashlib.sha256(raw).hexdigest()


def build_vocabulary(docs: list[DocFeatures]) -> list[str]:
    frequency: Counter[str] = Counter()
    for doc in docs:
        seen = {f for features in doc.sentence_features for f in features}
        seen.update(doc.doc_features)
        frequency.update(seen)
    return sorted(f for f, count in frequency.items() if count >= MIN_DOC_FREQ)


def design_matrix(
    docs: list[DocFeatures], vocabulary: dict[str, int], preference: bool
) -> sparse.csr_matrix:
    """Rows = documents: L2-normalised sentence-feature counts (weighted as inference weighs
    them) followed by the document features with value 1, exactly as the model scores."""
    rows, cols, values = [], [], []
    for row, doc in enumerate(docs):
        weights = (
            preference_weights(doc, CORRECTION_DISCOUNT)
            if preference
            else [1.0] * len(doc.sentences)
        )
        counts: Counter[int] = Counter()
        for weight, features in zip(weights, doc.sentence_features, strict=True):
            for feature in features:
                index = vocabulary.get(feature)
                if index is not None:
                    counts[index] += weight
        norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
        scaled = {index: value / norm for index, value in counts.items()}
        for feature in doc.doc_features:
            index = vocabulary.get(feature)
            if index is not None:
                scaled[index] = scaled.get(index, 0.0) + 1.0
        for index, value in scaled.items():
            rows.append(row)
            cols.append(index)
            values.append(value)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(docs), len(vocabulary)))


def _folds(y: np.ndarray) -> StratifiedKFold:
    smallest = min(Counter(y.tolist()).values())
    return StratifiedKFold(n_splits=max(2, min(FOLDS, smallest)), shuffle=True, random_state=7)


def _fit(
    x: sparse.csr_matrix,
    y: np.ndarray,
    c: float,
    class_weight: str | None,
    sample_weight: np.ndarray,
) -> LogisticRegression:
    model = LogisticRegression(C=c, max_iter=500, tol=TOL, class_weight=class_weight)
    return model.fit(x, y, sample_weight=sample_weight)


def out_of_fold(
    x: sparse.csr_matrix,
    y: np.ndarray,
    c: float,
    class_weight: str | None,
    sample_weight: np.ndarray,
) -> np.ndarray:
    """Out-of-fold decision scores (documents x seen classes)."""
    classes = np.unique(y)
    scores = np.zeros((len(y), len(classes)))
    counts = Counter(y.tolist())
    if min(counts.values()) < 2:  # too rare to stratify: fall back to plain K-fold on the rest
        keep = np.array([counts[label] >= 2 for label in y])
        scores[~keep] = 0.0
        x, y_fit, index = x[keep], y[keep], np.flatnonzero(keep)
        sample_weight = sample_weight[keep]
    else:
        y_fit, index = y, np.arange(len(y))
    splits = list(_folds(y_fit).split(x, y_fit))
    fitted = Parallel(n_jobs=2)(
        delayed(_fit)(x[train], y_fit[train], c, class_weight, sample_weight[train])
        for train, _ in splits
    )
    for model, (_, test) in zip(fitted, splits, strict=True):
        fold_scores = model.decision_function(x[test])
        if fold_scores.ndim == 1:
            fold_scores = np.stack([-fold_scores / 2, fold_scores / 2], axis=1)
        for column, label in enumerate(model.classes_):
            scores[index[test], int(np.searchsorted(classes, label))] = fold_scores[:, column]
    return scores


def _selection_score(
    oof: np.ndarray, y_index: np.ndarray, binary: bool, none: int | None = None
) -> float:
    """Model selection: F1 of the positive class at the best threshold for binary heads;
    for optional heads (with `none`, the index of the `none` label) the value F1 the eval
    suite scores, after calibration and at the best abstention threshold; macro-F1 plus
    accuracy for the other multi-class heads."""
    if none is not None:
        return none_threshold(_calibrated(oof, fit_temperature(oof, y_index)), y_index, none)[1]
    if binary:
        margin = oof[:, 1] - oof[:, 0]
        return max(
            f1_score(y_index == 1, margin >= t, zero_division=0)
            for t in np.quantile(margin, np.linspace(0.5, 0.99, 25))
        )
    predicted = oof.argmax(axis=1)
    return float(f1_score(y_index, predicted, average="macro") + (predicted == y_index).mean())


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    def nll(temperature: float) -> float:
        z = scores / temperature
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(y_index)), y_index].mean())

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def _calibrated(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of the scores at this temperature."""
    z = scores / temperature
    probs = np.exp(z - z.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


def _store(
    model: LogisticRegression, labels: list[str], weights: np.ndarray, bias: np.ndarray
) -> None:
    """Copy a fitted model's coefficients into the head's columns (unseen labels keep theirs)."""
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1:  # binary: p(yes) = sigmoid(z) == softmax([-z/2, z/2])
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, label in enumerate(model.classes_):
        column = labels.index(label)
        weights[:, column] = coef[row]
        bias[column] = intercept[row]


def value_f1(predicted: np.ndarray, y_index: np.ndarray, none: int) -> float:
    """F1 over the values (not `none`), as the eval suite scores an optional field: a wrong
    value is a false positive and a false negative, a missed one only a false negative."""
    said = predicted != none
    present = y_index != none
    tp = int((said & present & (predicted == y_index)).sum())
    fp, fn = int(said.sum()) - tp, int(present.sum()) - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def yes_threshold(p_yes: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """The P(yes) threshold of a yes/no head with the best out-of-fold F1, and that F1."""
    candidates = np.linspace(0.2, 0.8, 13)
    f1s = [f1_score(positive, p_yes >= t, zero_division=0) for t in candidates]
    best = int(np.argmax(f1s))
    return round(float(candidates[best]), 3), round(float(f1s[best]), 3)


def none_threshold(probs: np.ndarray, y_index: np.ndarray, none: int) -> tuple[float, float]:
    """The P(none) above which an optional head abstains, chosen for the best out-of-fold
    value F1; below it the most probable value is given."""
    others = probs.copy()
    others[:, none] = -1.0
    best_value = others.argmax(axis=1)
    best = (0.5, -1.0)
    for threshold in np.linspace(0.3, 0.9, 13):
        predicted = np.where(probs[:, none] >= threshold, none, best_value)
        score = value_f1(predicted, y_index, none)
        if score > best[1] + 1e-9:
            best = (round(float(threshold), 3), round(score, 3))
    return best


def train_head(
    head: HeadDefinition,
    x: sparse.csr_matrix,
    y: np.ndarray,
    sample_weight: np.ndarray,
    fixed: dict[str, object] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """Fit one head; return (weights vocab x labels, bias per label, report).

    With `fixed` (a report of an earlier full run: c, class_weight, temperature,
    threshold) the search and calibration are skipped and only the weights are fitted,
    which is what cross-validating the whole backend needs."""
    labels = list(head.labels)
    seen = np.unique(y)
    binary = labels == ["no", "yes"]
    report: dict[str, object] = {"support": dict(Counter(y.tolist()))}
    weights = np.zeros((x.shape[1], len(labels)), dtype=np.float32)
    bias = np.full(len(labels), UNSEEN_BIAS, dtype=np.float32)
    if len(seen) == 1:  # only one label in the data: predict it, at the data's confidence
        bias[labels.index(seen[0])] = 0.0
        report.update(c=None, temperature=1.0, cv_accuracy=1.0)
        return weights, bias, {**report, "threshold": 0.5}
    if fixed is not None and fixed.get("c") is not None and fixed.get("search") is not False:
        model = _fit(x, y, float(fixed["c"]), fixed.get("class_weight"), sample_weight)  # type: ignore[arg-type]
        _store(model, labels, weights, bias)
        keep = ("c", "class_weight", "temperature", "threshold", "none_threshold")
        return weights, bias, {**report, **{k: fixed[k] for k in keep if k in fixed}}

    best: tuple[float, float, str | None, np.ndarray] | None = None
    y_index = np.searchsorted(seen, y)
    grid = [(c, weight) for weight in (None, "balanced") for c in C_GRID]
    if fixed is not None and fixed.get("search") is False:  # reuse the regularisation only
        grid = [(float(fixed["c"]), fixed.get("class_weight"))]  # type: ignore[arg-type]
    value_f1 = head.name in VALUE_F1_SELECTION and NONE in seen
    none_index = int(np.searchsorted(seen, NONE)) if value_f1 else None
    for c, class_weight in grid:
        oof = out_of_fold(x, y, c, class_weight, sample_weight)
        score = _selection_score(oof, y_index, binary, none_index)
        if best is None or score > best[0]:
            best = (score, c, class_weight, oof)
    assert best is not None
    _, best_c, best_weight, best_oof = best
    temperature = fit_temperature(best_oof, y_index)
    threshold = 0.5
    if binary:
        z = best_oof / temperature
        p_yes = 1.0 / (1.0 + np.exp(-(z[:, 1] - z[:, 0])))
        threshold, report["cv_f1"] = yes_threshold(p_yes, y == "yes")
    elif NONE in seen:
        probs = _calibrated(best_oof, temperature)
        report["none_threshold"], report["cv_value_f1"] = none_threshold(
            probs, y_index, int(np.searchsorted(seen, NONE))
        )
    report["cv_accuracy"] = round(float((best_oof.argmax(axis=1) == y_index).mean()), 3)
    report["cv_macro_f1"] = round(
        float(f1_score(y_index, best_oof.argmax(axis=1), average="macro")), 3
    )

    model = _fit(x, y, best_c, best_weight, sample_weight)
    _store(model, labels, weights, bias)
    report.update(
        c=best_c, class_weight=best_weight, temperature=round(temperature, 3), threshold=threshold
    )
    return weights, bias, report


@dataclass
class Trained:
    """A fitted classifier: what `meta.json` and `weights.npz` hold."""

    vocabulary: list[str]
    weights: np.ndarray
    bias: np.ndarray
    heads: dict[str, dict[str, object]]
    reports: dict[str, dict[str, object]]

    def model(self, info: dict[str, object] | None = None) -> ClassifierModel:
        """The in-memory model the offline backend scores with."""
        return ClassifierModel.from_arrays(
            vocabulary=self.vocabulary,
            weights=self.weights.astype(np.float16).astype(np.float32),
            bias=self.bias.astype(np.float32),
            heads=self.heads,
            info=info or {},
            correction_discount=CORRECTION_DISCOUNT,
        )


def fit_model(
    items: list[GoldItem],
    docs: list[DocFeatures],
    phone_weight: float = PHONE_CALL_WEIGHT,
    fixed: dict[str, dict[str, object]] | None = None,
    verbose: bool = True,
) -> Trained:
    """Fit every head on these items (with `fixed`, reuse an earlier run's settings per head)."""
    vocabulary = build_vocabulary(docs)
    index = {feature: i for i, feature in enumerate(vocabulary)}
    matrices = {flag: design_matrix(docs, index, flag) for flag in (False, True)}
    concept_columns = np.array([f.startswith(CONCEPT_PRESENCE) for f in vocabulary])
    without_concepts = sparse.diags((~concept_columns).astype(float))

    if verbose:
        print(f"{len(items)} training items, {len(vocabulary)} features")
    sample_weight = np.array(
        [phone_weight if item.origin == "handwritten" else 1.0 for item in items]
    )

    def inputs(head: HeadDefinition) -> tuple[sparse.csr_matrix, np.ndarray]:
        x = matrices[head.preference]
        if not uses_concept_presence(head.name):
            x = (x @ without_concepts).tocsr()
        return x, np.array([head.gold(item.gold) for item in items])

    searching = fixed is None or any(f.get("search") is False for f in fixed.values())
    if searching:  # the search parallelises its folds; heads go one by one
        fitted = [
            train_head(head, *inputs(head), sample_weight, (fixed or {}).get(head.name))
            for head in HEADS
        ]
    else:  # one fit per head: parallelise the heads
        fitted = Parallel(n_jobs=2)(
            delayed(train_head)(head, *inputs(head), sample_weight, fixed.get(head.name))
            for head in HEADS
        )
    all_weights, all_bias, heads_meta, reports = [], [], {}, {}
    offset = 0
    for head, (weights, bias, report) in zip(HEADS, fitted, strict=True):
        all_weights.append(weights)
        all_bias.append(bias)
        heads_meta[head.name] = {
            "labels": list(head.labels),
            "offset": offset,
            "temperature": report["temperature"],
            "preference": head.preference,
            "threshold": report["threshold"],
        }
        if "none_threshold" in report:
            heads_meta[head.name]["none_threshold"] = report["none_threshold"]
        offset += len(head.labels)
        reports[head.name] = report
        if verbose:
            scores = {k: v for k, v in report.items() if k.startswith("cv_")}
            print(f"  {head.name:32s} C={report['c']} T={report['temperature']} {scores}")
    return Trained(
        vocabulary=vocabulary,
        weights=np.hstack(all_weights),
        bias=np.concatenate(all_bias),
        heads=heads_meta,
        reports=reports,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=ROOT / "evals/datasets/train.jsonl")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--phone-weight",
        type=float,
        default=PHONE_CALL_WEIGHT,
        help="Weight of a hand-written phone call relative to a CuCoM chat.",
    )
    parser.add_argument(
        "--reuse-settings",
        type=Path,
        help="Skip the regularisation search: reuse each head's C and class weighting from "
        "this model's meta.json (temperatures and thresholds are still fitted). Much faster.",
    )
    parser.add_argument(
        "--search",
        nargs="*",
        default=[],
        metavar="HEAD",
        help="With --reuse-settings: heads (or name prefixes such as `risk:`) whose "
        "regularisation is searched again.",
    )
    args = parser.parse_args()

    items, docs, data_hash = load_documents(args.train)
    fixed = None
    if args.reuse_settings is not None:
        reports = json.loads((args.reuse_settings / "meta.json").read_text(encoding="utf-8"))
        fixed = {
            name: {"c": r["c"], "class_weight": r.get("class_weight"), "search": False}
            for name, r in reports["info"]["reports"].items()
            if r.get("c") is not None and not name.startswith(tuple(args.search))
        }
    trained = fit_model(items, docs, args.phone_weight, fixed=fixed)

    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out / "weights.npz",
        weights=trained.weights.astype(np.float16),
        bias=trained.bias.astype(np.float32),
    )
    meta = {
        "vocabulary": trained.vocabulary,
        "heads": trained.heads,
        "correction_discount": CORRECTION_DISCOUNT,
        "info": {
            "train_file": str(args.train.relative_to(ROOT))
            if args.train.is_relative_to(ROOT)
            else str(args.train),
            "train_sha256": data_hash,
            "items": len(items),
            "phone_weight": args.phone_weight,
            "reports": trained.reports,
        },
    }
    (args.out / "meta.json").write_text(
        json.dumps(meta, indent=0, sort_keys=True), encoding="utf-8"
    )
    print(f"wrote {args.out}/meta.json and weights.npz")


if __name__ == "__main__":
    main()

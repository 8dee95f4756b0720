"""Cross-validate the whole offline backend on the training split, as the eval suite scores it.

    python scripts/cross_validate.py [--train evals/datasets/train.jsonl] [--folds 5]
        [--model callhandoff/extractors/classifier/trained] [--errors FILE]
        [--slice NAME=REGEX ...]

The training split is cut into stratified folds (by primary intent). For each fold
the classifier is refitted on the other folds with the settings the shipped model
chose per head (regularisation, class weighting, temperature, thresholds: read from
`--model`'s `meta.json`, so no search runs), and the offline backend built on it
extracts the held-out calls. The out-of-fold handoffs of all folds are scored
together with the eval suite's metrics, overall and per origin, so the figures
compare directly with `callhandoff eval run` on dev, which stays untouched.

Temperatures and thresholds come from the shipped model, which fitted them on its own
out-of-fold predictions over the same items: calibration figures are slightly
optimistic. `--errors` writes the out-of-fold intent, return-reason and risk-flag
mistakes (one JSON line per item) for error analysis.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold
from train_classifier import (
    OUT,
    PHONE_CALL_WEIGHT,
    ROOT,
    Trained,
    fit_model,
    load_documents,
    none_threshold,
    yes_threshold,
)

from callhandoff.evals.dataset import Dataset
from callhandoff.evals.gold import GoldItem
from callhandoff.evals.metrics import compute_metrics
from callhandoff.evals.routing import isolated_router
from callhandoff.evals.runner import run_dataset
from callhandoff.evals.scoring import ItemScore, score_item
from callhandoff.extractors.classifier.features import DocFeatures
from callhandoff.extractors.classifier.heads import HEADS, NONE
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend

HEADLINE = (
    "intent.accuracy",
    "intent.macro_f1",
    "field.return_reason.f1",
    "field.refund_expectation.f1",
    "risk_flags.micro_f1",
    "risk_flags.macro_f1",
    "field.urgency.exact_match",
    "field.sentiment.exact_match",
    "field.workflow.f1",
    "field.secondary_intents.f1",
    "decision.accuracy",
    "decision.cost_error",
    "calibration.ece",
)


def _figures(scores: Sequence[ItemScore]) -> dict[str, float | None]:
    flat = compute_metrics(scores).flat()
    return {name: flat.get(name) for name in HEADLINE}


def _mistakes(score: ItemScore) -> dict[str, object] | None:
    wrong = {
        name: {"gold": list(outcome.gold), "pred": list(outcome.pred)}
        for name, outcome in score.fields.items()
        if name in ("intent", "return_reason", "refund_expectation", "risk_flags")
        and not outcome.exact
    }
    if score.decision_gold is not None and score.decision_pred != score.decision_gold:
        wrong["decision"] = {"gold": [score.decision_gold], "pred": [score.decision_pred]}
    return {"id": score.item_id, **wrong} if wrong else None


def tune_none_thresholds(
    fitted: list[Trained],
    splits: list[tuple[np.ndarray, np.ndarray]],
    items: list[GoldItem],
    docs: list[DocFeatures],
) -> dict[str, float]:
    """Pick each optional head's abstention threshold and each yes/no head's threshold on
    the pooled out-of-fold distributions (as training does on its own folds) and set them
    on every fold model."""
    optional = [head for head in HEADS if head.labels[0] == NONE or head.labels == ("no", "yes")]
    pooled: dict[str, list[list[float]]] = {head.name: [] for head in optional}
    gold: dict[str, list[int]] = {head.name: [] for head in optional}
    for (_, test), trained in zip(splits, fitted, strict=True):
        model = trained.model()
        for i in test:
            distributions = model.probabilities(docs[i])
            for head in optional:
                pooled[head.name].append(distributions[head.name])
                gold[head.name].append(head.labels.index(head.gold(items[i].gold)))
    tuned = {}
    for head in optional:
        probs, y = np.array(pooled[head.name]), np.array(gold[head.name])
        if head.labels == ("no", "yes"):
            key, threshold = "threshold", yes_threshold(probs[:, 1], y == 1)[0]
        else:
            key, threshold = "none_threshold", none_threshold(probs, y, 0)[0]
        tuned[head.name] = threshold
        for trained in fitted:
            trained.heads[head.name][key] = threshold
    return tuned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=ROOT / "evals/datasets/train.jsonl")
    parser.add_argument("--model", type=Path, default=OUT, help="Model whose settings to reuse.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--phone-weight", type=float, default=PHONE_CALL_WEIGHT)
    parser.add_argument("--errors", type=Path, help="Write the out-of-fold mistakes here.")
    parser.add_argument(
        "--slice",
        action="append",
        default=[],
        metavar="NAME=REGEX",
        help="Also report the items whose id matches REGEX (e.g. hw-old='hw-[0-3]'), repeatable.",
    )
    parser.add_argument(
        "--keep-thresholds",
        action="store_true",
        help="Use the reference model's abstention thresholds instead of tuning them.",
    )
    args = parser.parse_args()

    meta = json.loads((args.model / "meta.json").read_text(encoding="utf-8"))
    fixed = meta["info"]["reports"]
    items, docs, _ = load_documents(args.train)
    intents = np.array([item.gold.intent.value for item in items])
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=11)
    settings = Settings()
    splits = list(folds.split(np.zeros(len(items)), intents))
    fitted = [
        fit_model(
            [items[i] for i in train],
            [docs[i] for i in train],
            args.phone_weight,
            fixed=fixed,
            verbose=False,
        )
        for train, _ in splits
    ]
    print(f"fitted {len(fitted)} fold models", file=sys.stderr)
    if not args.keep_thresholds:
        tuned = tune_none_thresholds(fitted, splits, items, docs)
        print(f"abstention thresholds from the out-of-fold predictions: {tuned}", file=sys.stderr)
    scores: list[ItemScore] = []
    for number, ((_, test), trained) in enumerate(zip(splits, fitted, strict=True), start=1):
        model = trained.model()
        held_out = Dataset(
            path=str(args.train), version=f"fold-{number}", items=tuple(items[i] for i in test)
        )
        output = run_dataset(
            held_out,
            settings,
            make_backend=lambda s, m=model: OfflineBackend(s, m),
            make_router=lambda: isolated_router(settings),
        )
        scores.extend(score_item(run) for run in output.items)

    origin = {item.id: item.origin for item in items}
    groups = {"all": scores} | {
        name: [s for s in scores if origin[s.item_id] == name]
        for name in sorted(set(origin.values()))
    }
    for spec in args.slice:
        name, _, pattern = spec.partition("=")
        chosen = re.compile(pattern)
        groups[name] = [s for s in scores if chosen.match(s.item_id)]
    table = {name: _figures(group) for name, group in groups.items()}
    width = max(map(len, HEADLINE))
    print(f"{'metric':{width}s} " + " ".join(f"{n}({len(groups[n])})".rjust(16) for n in groups))
    for metric in HEADLINE:
        cells = [table[name][metric] for name in groups]
        print(
            f"{metric:{width}s} "
            + " ".join(("—" if v is None else f"{v:.3f}").rjust(16) for v in cells)
        )
    if args.errors:
        rows = [row for row in map(_mistakes, scores) if row is not None]
        args.errors.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        print(f"{len(rows)} items with a mistake written to {args.errors}")


if __name__ == "__main__":
    main()

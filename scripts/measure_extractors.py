"""Score the deterministic extractors against gold datasets, field by field.

    python scripts/measure_extractors.py evals/datasets/handwritten_train.jsonl [...]
    python scripts/measure_extractors.py --origin cucom evals/datasets/train.jsonl
    python scripts/measure_extractors.py --misses order_id,caller_name FILE

For every GoldItem file on the command line, runs `extract_deterministic` on each
transcript and prints recall and precision for order_id, booking_id, caller_name,
caller_phone, caller_email and product_skus, comparing normalised values with the
eval suite's own normalisers (ids: upper-case letters and digits; names: case-folded
words; phones: E.164; e-mails: lower-case).

Single-value fields are scored as the offline backend uses them: the first
(most relevant) extracted value is the prediction. product_skus compares sets.
Also counts evidence quotes that are not exact substrings of their turn, which
must always be 0. Use it on training files only: scoring a dev file while tuning
makes its scores worthless.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from callhandoff.evals.dataset import load_dataset
from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.evals.scorers import normalise_email, normalise_id, normalise_phone, normalise_text
from callhandoff.extractors import DeterministicFields, extract_deterministic
from callhandoff.schema import Extracted

PHONE_REGIONS = ("US", "IN", "GB")  # the settings default

Normaliser = Callable[[object], str | None]


@dataclass(frozen=True)
class Field:
    """One scored field: where gold and the extracted values live, how to compare them."""

    name: str
    gold: Callable[[GoldLabels], list[object]]
    predicted: Callable[[DeterministicFields], Sequence[Extracted[str]]]
    normalise: Normaliser
    multi: bool = False  # compare whole sets instead of the first value


def _one(value: object) -> list[object]:
    return [] if value is None else [value]


FIELDS: tuple[Field, ...] = (
    Field("order_id", lambda g: _one(g.order_id), lambda f: f.order_ids, normalise_id),
    Field("booking_id", lambda g: _one(g.booking_id), lambda f: f.booking_ids, normalise_id),
    Field("caller_name", lambda g: _one(g.caller_name), lambda f: f.names, normalise_text),
    Field("caller_phone", lambda g: _one(g.caller_phone), lambda f: f.phones, normalise_phone),
    Field("caller_email", lambda g: _one(g.caller_email), lambda f: f.emails, normalise_email),
    Field(
        "product_skus", lambda g: list(g.product_skus), lambda f: f.skus, normalise_id, multi=True
    ),
)


@dataclass
class Tally:
    """Counts for one field over one file, and the items it got wrong."""

    tp: int = 0
    gold: int = 0
    predicted: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        recall = self.tp / self.gold if self.gold else float("nan")
        precision = self.tp / self.predicted if self.predicted else float("nan")
        return (
            f"  {name:<13} recall {self.tp:>4}/{self.gold:<4} = {recall:5.3f}   "
            f"precision {self.tp:>4}/{self.predicted:<4} = {precision:5.3f}"
        )


def _norm_set(values: Sequence[object], normalise: Normaliser) -> set[str]:
    return {n for n in (normalise(v) for v in values) if n is not None}


def score_item(item: GoldItem, fields: DeterministicFields, tallies: dict[str, Tally]) -> None:
    """Add one item's outcome to every field's tally."""
    for spec in FIELDS:
        gold = _norm_set(spec.gold(item.gold), spec.normalise)
        found = list(spec.predicted(fields))
        chosen = found if spec.multi else found[:1]
        predicted = _norm_set([e.value for e in chosen], spec.normalise)
        tally = tallies[spec.name]
        hits = gold & predicted
        tally.tp += len(hits)
        tally.gold += len(gold)
        tally.predicted += len(predicted)
        if gold != predicted:
            said = [e.value for e in found]
            tally.misses.append(f"{item.id}: gold={sorted(gold)} extracted={said}")


def bad_quotes(item: GoldItem, fields: DeterministicFields) -> list[str]:
    """Evidence quotes that are not an exact substring of the turn they cite."""
    groups: list[Sequence[Extracted[Any]]] = [
        fields.order_ids,
        fields.skus,
        fields.booking_ids,
        fields.phones,
        fields.emails,
        fields.names,
        fields.amounts,
        fields.sensitive,
        [x for x in (fields.deadline, fields.injection) if x is not None],
    ]
    turns = item.transcript.turns
    bad = []
    for value in (v for group in groups for v in group):
        ev = value.evidence
        if not (0 <= ev.turn < len(turns)) or ev.quote not in turns[ev.turn].text:
            bad.append(f"{item.id}: turn {ev.turn} quote {ev.quote!r}")
    return bad


def measure(path: str, origin: str | None, show: set[str], totals: dict[str, Tally]) -> None:
    """Print the per-field figures for one dataset file and add them to `totals`."""
    dataset = load_dataset(path, origin=origin)
    tallies = {spec.name: Tally() for spec in FIELDS}
    bad: list[str] = []
    for item in dataset.items:
        t = item.transcript
        fields = extract_deterministic(
            t, reference=t.reference_time(), phone_regions=list(PHONE_REGIONS)
        )
        score_item(item, fields, tallies)
        bad += bad_quotes(item, fields)
    label = f" (origin={origin})" if origin else ""
    print(f"{path}{label}: {len(dataset.items)} items")
    for spec in FIELDS:
        print(tallies[spec.name].line(spec.name))
    print(f"  evidence quotes not in their turn: {len(bad)}")
    for line in bad[:20]:
        print(f"    {line}")
    for name in sorted(show):
        print(f"  misses for {name}:")
        for line in tallies[name].misses:
            print(f"    {line}")
    for name, tally in tallies.items():
        total = totals.setdefault(name, Tally())
        total.tp += tally.tp
        total.gold += tally.gold
        total.predicted += tally.predicted


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and measure each file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="GoldItem JSONL files (training data)")
    parser.add_argument("--origin", help="only items of this origin (handwritten, cucom, abcd)")
    parser.add_argument(
        "--misses", default="", help="comma-separated fields whose wrong items to list"
    )
    args = parser.parse_args(argv)
    show = {name for name in args.misses.split(",") if name}
    unknown = show - {spec.name for spec in FIELDS}
    if unknown:
        parser.error(f"unknown field(s): {', '.join(sorted(unknown))}")
    totals: dict[str, Tally] = {}
    for path in args.files:
        measure(path, args.origin, show, totals)
    if len(args.files) > 1:
        print(f"all {len(args.files)} files:")
        for spec in FIELDS:
            print(totals[spec.name].line(spec.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())

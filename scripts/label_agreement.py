"""Agreement between two annotators' labels of the same calls, field by field.

    python scripts/label_agreement.py [--first evals/datasets/dev.jsonl]
        [--second evals/labels/second_pass_dev.jsonl] [--markdown] [--disagreements FILE]
        [--as-first-labelled]

`--first` holds GoldItem lines (the dataset), `--second` lines of `{"id", "gold", "notes"}`
from a second annotator who labelled some of those items blind. For every item in both,
each field is compared:

- categorical fields (intent, return reason, refund expectation, urgency, sentiment,
  workflow, change kind, inquiry topic, decision, prompt injection): agreement and
  Cohen's kappa, "not set" counting as a category of its own;
- each risk flag as a yes/no field: agreement and kappa;
- identifiers and other exact fields (caller name, phone, e-mail, order / booking /
  customer ids, other order ids, SKUs, secondary intents, deadline date): exact match
  after the normalisation the eval suite uses (`callhandoff.normalize`).

Prints one table (Markdown with `--markdown`); `--disagreements` writes one JSON line per
item and field where the two annotators differ, for adjudication.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

from callhandoff.evals.gold import GoldItem, GoldLabels
from callhandoff.normalize import email_key, id_key, name_key, phone_e164
from callhandoff.schema.enums import RiskFlag

ROOT = Path(__file__).resolve().parents[1]

CATEGORICAL = (
    "intent",
    "return_reason",
    "refund_expectation",
    "urgency",
    "sentiment",
    "workflow",
    "change_kind",
    "inquiry_topic",
    "decision",
    "prompt_injection",
)


def _text(value: object) -> str:
    """The label as a plain string: enum values by their value, missing as `(none)`."""
    if value is None:
        return "(none)"
    return str(getattr(value, "value", value))


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(id_key(v) for v in values))


def _one_id(value: str | None) -> str | None:
    return id_key(value) if value else None


EXACT: dict[str, Callable[[GoldLabels], Hashable]] = {
    "secondary_intents": lambda g: tuple(sorted(i.value for i in g.secondary_intents)),
    "caller_name": lambda g: name_key(g.caller_name) if g.caller_name else None,
    "caller_phone": lambda g: phone_e164(g.caller_phone) if g.caller_phone else None,
    "caller_email": lambda g: email_key(g.caller_email) if g.caller_email else None,
    "customer_id": lambda g: _one_id(g.customer_id),
    "order_id": lambda g: _one_id(g.order_id),
    "other_order_ids": lambda g: _ids(g.other_order_ids),
    "product_skus": lambda g: _ids(g.product_skus),
    "booking_id": lambda g: _one_id(g.booking_id),
    "deadline_date": lambda g: g.deadline_date,
}


@dataclass(frozen=True)
class Agreement:
    field: str
    kind: str  # categorical | flag | exact
    items: int
    agree: int
    kappa: float | None
    first_set: int  # items where the first annotator set a value (flags: said yes)
    second_set: int

    @property
    def rate(self) -> float:
        return self.agree / self.items if self.items else 0.0


def cohen_kappa(first: list[str], second: list[str]) -> float | None:
    """Cohen's kappa of two label sequences; None when chance agreement is total."""
    total = len(first)
    if total == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / total
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (total * total)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def field_values(gold: GoldLabels) -> dict[str, tuple[str, object]]:
    """Every compared field of one label set: name -> (kind, comparable value)."""
    values: dict[str, tuple[str, object]] = {
        name: ("categorical", _text(getattr(gold, name))) for name in CATEGORICAL
    }
    for flag in RiskFlag:
        values[f"risk:{flag.value}"] = ("flag", "yes" if flag in gold.risk_flags else "no")
    for name, key in EXACT.items():
        values[name] = ("exact", key(gold))
    return values


def _is_set(kind: str, value: object) -> bool:
    if kind == "flag":
        return value == "yes"
    return value not in (None, "(none)", (), "False")


def compare(
    first: dict[str, GoldLabels], second: dict[str, GoldLabels]
) -> tuple[list[Agreement], list[dict[str, object]]]:
    """Per-field agreement over the items both annotators labelled, and the disagreements."""
    shared = sorted(set(first) & set(second))
    columns: dict[str, tuple[str, list[object], list[object]]] = {}
    disagreements: list[dict[str, object]] = []
    for item_id in shared:
        ours, theirs = field_values(first[item_id]), field_values(second[item_id])
        for name, (kind, value) in ours.items():
            other = theirs[name][1]
            column = columns.setdefault(name, (kind, [], []))
            column[1].append(value)
            column[2].append(other)
            if value != other:
                disagreements.append(
                    {
                        "id": item_id,
                        "field": name,
                        "first": _plain(getattr(first[item_id], name, value)),
                        "second": _plain(getattr(second[item_id], name, other)),
                    }
                )
    results = []
    for name, (kind, a, b) in columns.items():
        agree = sum(x == y for x, y in zip(a, b, strict=True))
        kappa = cohen_kappa([repr(x) for x in a], [repr(y) for y in b]) if kind != "exact" else None
        results.append(
            Agreement(
                field=name,
                kind=kind,
                items=len(a),
                agree=agree,
                kappa=kappa,
                first_set=sum(_is_set(kind, x) for x in a),
                second_set=sum(_is_set(kind, y) for y in b),
            )
        )
    return results, disagreements


def _plain(value: object) -> object:
    """A JSON-friendly form of a label (enums by value, lists of enums by values)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return getattr(value, "value", value)
    return str(getattr(value, "value", value))


def load_first(path: Path) -> dict[str, GoldLabels]:
    items = (GoldItem.model_validate_json(line) for line in path.open(encoding="utf-8"))
    return {item.id: item.gold for item in items}


def undo_corrections(first: dict[str, GoldLabels], paths: list[Path]) -> dict[str, GoldLabels]:
    """The first labels as they were before the corrections recorded in `paths` (JSON lines of
    `id`, `field` and either `first`/`final` (adjudication) or `old`/`new` (review))."""
    restored = dict(first)
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            item, field = row["id"], row["field"]
            before = row["first"] if "first" in row else row["old"]
            after = row["final"] if "final" in row else row["new"]
            if item not in restored or before == after:
                continue
            gold = restored[item]
            if field.startswith("risk:"):
                flags = [f.value for f in gold.risk_flags if f.value != field[5:]]
                flags += [field[5:]] if before == "yes" else []
                update: dict[str, object] = {"risk_flags": flags}
            else:
                update = {field: before}
            restored[item] = GoldLabels.model_validate({**gold.model_dump(), **update})
    return restored


def load_second(path: Path) -> dict[str, GoldLabels]:
    labels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            labels[row["id"]] = GoldLabels.model_validate(row["gold"])
        except (KeyError, ValueError) as exc:
            raise SystemExit(f"{path}:{number}: {exc}") from exc
    return labels


def render(results: list[Agreement], markdown: bool) -> str:
    header = ("field", "kind", "items", "agree", "agreement", "kappa", "set 1st", "set 2nd")
    rows = [
        (
            r.field,
            r.kind,
            str(r.items),
            str(r.agree),
            f"{r.rate:.3f}",
            "—" if r.kappa is None else f"{r.kappa:.3f}",
            str(r.first_set),
            str(r.second_set),
        )
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
        lines += ["| " + " | ".join((f"`{row[0]}`", *row[1:])) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in (header, *rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=Path, default=ROOT / "evals/datasets/dev.jsonl")
    parser.add_argument("--second", type=Path, default=ROOT / "evals/labels/second_pass_dev.jsonl")
    parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")
    parser.add_argument(
        "--disagreements", type=Path, help="Write one JSON line per item and field in dispute."
    )
    parser.add_argument(
        "--as-first-labelled",
        action="store_true",
        help="Compare the first labels as they were before adjudication and review "
        "(undoing evals/labels/adjudication.jsonl and label_fixes.jsonl): the card's table.",
    )
    args = parser.parse_args()

    first, second = load_first(args.first), load_second(args.second)
    if args.as_first_labelled:
        labels = ROOT / "evals/labels"
        first = undo_corrections(
            first, [labels / "adjudication.jsonl", labels / "label_fixes.jsonl"]
        )
    missing = sorted(set(second) - set(first))
    if missing:
        raise SystemExit(f"{args.second}: items not in {args.first}: {missing[:5]}")
    results, disagreements = compare(first, second)
    print(f"{len(second)} items labelled by both annotators")
    print(render(results, args.markdown))
    if args.disagreements:
        args.disagreements.write_text(
            "".join(json.dumps(row, default=str) + "\n" for row in disagreements),
            encoding="utf-8",
        )
        print(f"{len(disagreements)} disagreements written to {args.disagreements}")


if __name__ == "__main__":
    main()

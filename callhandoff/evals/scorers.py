"""Scorers: small pure functions that compare one gold field with one predicted field.

A field is a (possibly empty) set of values: a single-valued field holds at most
one. Each scorer normalises both sides the way its field type demands (ids
upper-case alphanumerics, phones E.164, emails lower-case, ...) and counts:

- tp: predicted values that are in the gold set,
- fp: predicted values that are not,
- fn: gold values that were not predicted,
- exact: the two normalised sets are equal (both empty counts as exact).

For a single-valued field, gold `A` and prediction `B` is one fp and one fn;
gold `A` and no prediction is one fn; no gold and a prediction `B` is one fp.
Every predicted value also yields a (confidence, correct) pair for calibration.

To score a new field type: write a normaliser and a one-line `score_<type>`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from callhandoff.normalize import clean_email, id_key, phone_e164

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_PHONE_JUNK = re.compile(r"[^\d+]")

Normaliser = Callable[[object], "str | None"]


@dataclass(frozen=True, slots=True)
class Pred:
    """One predicted value, the confidence the backend gave it and where it was said."""

    value: object
    confidence: float
    turn: int | None = None
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one field of one item scored. `gold` / `pred` are normalised, sorted."""

    gold: tuple[str, ...]
    pred: tuple[str, ...]
    tp: int
    fp: int
    fn: int
    exact: bool
    calibration: tuple[tuple[float, bool], ...]


# --- normalisers ---------------------------------------------------------------------


def normalise_id(value: object) -> str | None:
    """Order, SKU, booking and customer ids: letters and digits only, upper-case."""
    return id_key(str(value)) or None


def normalise_phone(value: object) -> str | None:
    """E.164 for a valid number with its country code, else "+" and the digits as given."""
    text = str(value).strip()
    if not text:
        return None
    e164 = phone_e164(text, regions=())
    if e164 is not None:
        return e164
    compact = _PHONE_JUNK.sub("", text)
    return compact or None


def normalise_email(value: object) -> str | None:
    """Trimmed, lower-case, without a `mailto:` prefix."""
    return clean_email(str(value)) or None


def normalise_enum(value: object) -> str | None:
    """The enum's value (`refund`), or the string lower-cased."""
    text = value.value if isinstance(value, Enum) else value
    text = str(text).strip().lower()
    return text or None


def normalise_text(value: object) -> str | None:
    """Free text (names, deadline phrases): case-folded, accents kept, punctuation dropped."""
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip().casefold()
    return text or None


def normalise_date(value: object) -> str | None:
    """ISO date `YYYY-MM-DD` from a date, a datetime or an ISO string; else the text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return text or None


def normalise_flag(value: object) -> str | None:
    """A yes/no field: `true` when set, nothing when not."""
    return "true" if value is True else None


# --- the comparison every scorer shares -----------------------------------------------


def score_with(normalise: Normaliser, gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Normalise both sides with `normalise` and count tp / fp / fn as a set comparison."""
    gold_set = {n for n in (normalise(v) for v in gold) if n is not None}
    calibration: list[tuple[float, bool]] = []
    pred_set: set[str] = set()
    for pred in predicted:
        normalised = normalise(pred.value)
        if normalised is None or normalised in pred_set:
            continue
        pred_set.add(normalised)
        calibration.append((pred.confidence, normalised in gold_set))
    tp = len(gold_set & pred_set)
    return Outcome(
        gold=tuple(sorted(gold_set)),
        pred=tuple(sorted(pred_set)),
        tp=tp,
        fp=len(pred_set) - tp,
        fn=len(gold_set) - tp,
        exact=gold_set == pred_set,
        calibration=tuple(calibration),
    )


# --- one scorer per field type ---------------------------------------------------------


def score_id(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Identifiers: exact match after upper-case alphanumeric normalisation."""
    return score_with(normalise_id, gold, predicted)


def score_phone(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Phone numbers: exact match in E.164."""
    return score_with(normalise_phone, gold, predicted)


def score_email(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Email addresses: exact match, lower-case."""
    return score_with(normalise_email, gold, predicted)


def score_enum(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Closed vocabularies (intent, reason, urgency, ...), single- or multi-label."""
    return score_with(normalise_enum, gold, predicted)


def score_text(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Short free text (caller name, deadline as said): case and punctuation ignored."""
    return score_with(normalise_text, gold, predicted)


def score_date(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Calendar dates: the same ISO day."""
    return score_with(normalise_date, gold, predicted)


def score_flag(gold: Sequence[object], predicted: Sequence[Pred]) -> Outcome:
    """Yes/no detections (prompt injection): set versus not set."""
    return score_with(normalise_flag, gold, predicted)


Scorer = Callable[[Sequence[object], Sequence[Pred]], Outcome]

"""Score a handoff's summary: the facts it must name, its length, and values it invents.

- **Required facts** come from the gold labels: every id of the call (order,
  other orders, SKUs, booking, customer id), the primary intent (unless `other`)
  and the deadline. An id is present when its letters and digits appear in the
  summary (`HH-100234` = `hh 100234`); the intent when one of its cue words
  (`INTENT_CUES`, word prefixes) does; the deadline when its gold wording, its
  ISO date or its day and month name do.
- **Length**: words in the summary, and whether it is over SUMMARY_MAX_WORDS.
- **Invented values**: every number-bearing token of the summary and the next
  step (an id, an amount, a date, a phone) must be readable in the transcript,
  written or spoken (`four oh three` = `403`), or be the grounded deadline date
  or the call's date. Anything else is an invented value.

Pure functions over the gold item and the handoff, so a stored run is re-scored
at any time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from callhandoff.evals.gold import GoldLabels
from callhandoff.extractors.spoken import normalize as spoken_to_written
from callhandoff.normalize import digit_key, fold, id_key, phone_national_digits
from callhandoff.schema.enums import Intent
from callhandoff.schema.handoff import SUMMARY_MAX_WORDS, Handoff
from callhandoff.schema.transcript import Transcript

FactKind = Literal["id", "intent", "deadline"]

# Word prefixes that name each intent in an operational summary.
INTENT_CUES: dict[Intent, tuple[str, ...]] = {
    Intent.ORDER_STATUS: ("status", "where", "track", "eta", "update on", "when"),
    Intent.DELIVERY_ISSUE: ("deliver", "parcel", "package", "carrier", "courier", "arriv",
                            "shipping", "shipment", "lost", "missing", "late"),
    Intent.RETURN_OR_EXCHANGE: ("return", "exchang", "swap", "replace"),
    Intent.REFUND: ("refund", "money back", "reimburs"),
    Intent.CANCEL_ORDER: ("cancel",),
    Intent.CHANGE_ORDER: ("change", "modif", "updat", "switch", "edit", "add"),
    Intent.PRODUCT_INQUIRY: ("ask", "question", "inquir", "enquir", "availab", "stock", "spec"),
    Intent.PURCHASE_INTENT: ("buy", "purchas", "order", "quote", "offer"),
    Intent.BOOKING: ("book", "appointment", "reschedul", "slot", "visit", "install"),
    Intent.BILLING_PAYMENT: ("charg", "bill", "payment", "invoice", "paid", "pay"),
    Intent.ACCOUNT: ("account", "login", "log in", "password", "sign in", "profile"),
    Intent.COMPLAINT: ("complain", "complaint", "unhappy", "escalat", "dissatisf", "frustrat"),
}  # fmt: skip

_VALUE_TOKEN = re.compile(
    r"\+?\(?\d[\d ().-]{5,}\d"  # a phone number, possibly spaced
    r"|[+#$£€]?[A-Za-z0-9][A-Za-z0-9./:-]*\d[A-Za-z0-9./:-]*"  # an id, amount or date
    r"|\d"
)
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$", re.IGNORECASE)
_NON_DIGIT = re.compile(r"\D")
_FILLER = frozenset(
    {
        "the",
        "for",
        "and",
        "by",
        "before",
        "until",
        "its",
        "that",
        "this",
        "was",
        "had",
        "have",
        "like",
        "only",
        "really",
        "need",
        "needed",
        "dont",
    }
)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip


class Fact(BaseModel):
    """One fact the summary must name and whether it does."""

    kind: FactKind
    value: str
    present: bool


class SummaryScore(BaseModel):
    """How one summary scored."""

    words: int
    over_length: bool
    facts: list[Fact] = Field(default_factory=list)
    invented: list[str] = Field(default_factory=list)

    @property
    def missing(self) -> list[Fact]:
        """The required facts the summary does not name."""
        return [fact for fact in self.facts if not fact.present]


def _has_cue(folded: str, cues: Sequence[str]) -> bool:
    padded = f" {folded}"
    return any(f" {cue}" in padded for cue in cues)


def _date_forms(day: dt.date) -> list[str]:
    month = _MONTHS[day.month - 1]
    return [day.isoformat(), f"{month} {day.day}", f"{day.day} {month}", f"{month} {day.day}th"]


def _content_words(text: str) -> set[str]:
    return {word for word in fold(text).split() if len(word) > 2 and word not in _FILLER}


def _deadline_present(gold: GoldLabels, summary: str) -> bool:
    """The gold date in any usual form, or most of the gold wording's content words."""
    folded = fold(summary)
    if gold.deadline_date is not None and (
        gold.deadline_date.isoformat() in summary
        or any(fold(form) in folded for form in _date_forms(gold.deadline_date)[1:])
    ):
        return True
    wanted = _content_words(gold.deadline_text or "")
    if not wanted:
        return False
    return len(wanted & set(folded.split())) * 3 >= len(wanted) * 2


def _id_present(value: str, summary: str) -> bool:
    if id_key(value) and id_key(value) in id_key(summary):
        return True
    digits = digit_key(value)
    return digits is not None and digits in _NON_DIGIT.sub("", summary)


def required_facts(gold: GoldLabels, summary: str) -> list[Fact]:
    """The gold's ids, intent and deadline, each with whether `summary` names it."""
    ids = [gold.order_id, *gold.other_order_ids, *gold.product_skus, gold.booking_id,
           gold.customer_id]  # fmt: skip
    facts = [Fact(kind="id", value=v, present=_id_present(v, summary)) for v in ids if v]
    if gold.intent is not Intent.OTHER:
        cues = INTENT_CUES[gold.intent]
        facts.append(
            Fact(kind="intent", value=gold.intent.value, present=_has_cue(fold(summary), cues))
        )
    if gold.deadline_text or gold.deadline_date:
        shown = gold.deadline_text or (gold.deadline_date.isoformat() if gold.deadline_date else "")
        facts.append(Fact(kind="deadline", value=shown, present=_deadline_present(gold, summary)))
    return facts


def _haystacks(transcript: Transcript) -> tuple[str, str]:
    """The call's letters and digits as written and as spoken, and all its digits."""
    text = "\n".join(turn.text for turn in transcript.turns)
    spoken = spoken_to_written(text).text
    return f"{id_key(text)} {id_key(spoken)}", _NON_DIGIT.sub("", f"{text} {spoken}")


def _allowed(handoff: Handoff, transcript: Transcript) -> set[str]:
    allowed: set[str] = set()
    if transcript.started_at is not None:
        allowed.add(id_key(transcript.started_at.date().isoformat()))
    deadline = handoff.exception.deadline
    if deadline is not None and deadline.value.date is not None:
        allowed.add(id_key(deadline.value.date.isoformat()))
    return allowed


def _value_grounded(token: str, written: str, digits: str, allowed: set[str]) -> bool:
    ordinal = _ORDINAL.match(token)
    key = ordinal.group(1) if ordinal else id_key(token)
    if not key or key in allowed or key in written:
        return True
    if token.startswith("+"):
        national = phone_national_digits(token)
        return national is not None and national in digits
    only_digits = _NON_DIGIT.sub("", token)
    return only_digits == key and only_digits in digits


def invented_values(text: str, handoff: Handoff, transcript: Transcript) -> list[str]:
    """Number-bearing tokens of `text` that cannot be read in the transcript."""
    written, digits = _haystacks(transcript)
    allowed = _allowed(handoff, transcript)
    found: list[str] = []
    for match in _VALUE_TOKEN.finditer(text):
        token = match.group(0).rstrip(".:-/")
        if (
            any(ch.isdigit() for ch in token)
            and token not in found
            and not _value_grounded(token, written, digits, allowed)
        ):
            found.append(token)
    return found


def score_summary(handoff: Handoff, gold: GoldLabels, transcript: Transcript) -> SummaryScore:
    """Facts, length and invented values of the handoff's summary (and its next step)."""
    summary = handoff.summary
    words = len(summary.split())
    return SummaryScore(
        words=words,
        over_length=words > SUMMARY_MAX_WORDS,
        facts=required_facts(gold, summary),
        invented=invented_values(f"{summary}\n{handoff.next_step}", handoff, transcript),
    )

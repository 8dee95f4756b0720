"""Deterministic extractors: the exact-value half of extraction.

Regexes and well-kept libraries (phonenumbers, email-validator, python-dateutil) pull
ids, phones, e-mails, names, amounts, deadlines, secrets and injection attempts out of
a transcript, each with a confidence and an evidence quote that is an exact substring
of the cited turn. Spoken forms ("four oh three", "C as in Charlie") are handled by
`spoken`. `extract_deterministic` runs them all over one shared normalised view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from callhandoff.extractors.bookings import find_booking_ids
from callhandoff.extractors.contacts import find_emails, find_names, find_phones
from callhandoff.extractors.dates import find_deadline
from callhandoff.extractors.fields import DeterministicFields
from callhandoff.extractors.ids import find_order_ids
from callhandoff.extractors.injection import find_prompt_injection
from callhandoff.extractors.money import find_amounts
from callhandoff.extractors.sensitive import find_sensitive_data
from callhandoff.extractors.skus import find_skus
from callhandoff.extractors.view import CallView
from callhandoff.schema import Transcript

__all__ = [
    "CallView",
    "DeterministicFields",
    "extract_deterministic",
    "find_amounts",
    "find_booking_ids",
    "find_deadline",
    "find_emails",
    "find_names",
    "find_order_ids",
    "find_phones",
    "find_prompt_injection",
    "find_sensitive_data",
    "find_skus",
]


def extract_deterministic(
    t: Transcript, *, reference: dt.datetime, phone_regions: Sequence[str]
) -> DeterministicFields:
    """Run every deterministic extractor over one call.

    `reference` is the call's start (timezone-aware) for resolving deadlines;
    `phone_regions` are tried in order for numbers said without a country code.
    Each turn is normalised once and shared by all extractors.
    """
    view = CallView.of(t)
    return DeterministicFields(
        order_ids=find_order_ids(view),
        skus=find_skus(view),
        booking_ids=find_booking_ids(view),
        phones=find_phones(view, phone_regions),
        emails=find_emails(view),
        names=find_names(view),
        amounts=find_amounts(view),
        deadline=find_deadline(view, reference),
        sensitive=find_sensitive_data(view),
        injection=find_prompt_injection(view),
    )

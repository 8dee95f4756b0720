"""Scorers: each field type normalises the way the label guide says, then counts tp/fp/fn."""

from __future__ import annotations

import datetime as dt

from callhandoff.evals.scorers import (
    Pred,
    normalise_email,
    normalise_id,
    normalise_phone,
    score_date,
    score_email,
    score_enum,
    score_flag,
    score_id,
    score_phone,
    score_text,
)
from callhandoff.schema import Intent, RiskFlag


def test_ids_match_whatever_the_dashes_spaces_and_case() -> None:
    assert normalise_id("#403-1234567 8901234") == "40312345678901234"
    assert normalise_id("ord-2024-0042") == "ORD20240042"
    outcome = score_id(["403-1234567-8901234"], [Pred("403 1234567 8901234", 0.9)])
    assert (outcome.tp, outcome.fp, outcome.fn, outcome.exact) == (1, 0, 0, True)


def test_a_wrong_id_is_one_false_positive_and_one_false_negative() -> None:
    outcome = score_id(["A12345"], [Pred("A12354", 0.8)])
    assert (outcome.tp, outcome.fp, outcome.fn, outcome.exact) == (0, 1, 1, False)
    assert outcome.calibration == ((0.8, False),)


def test_an_invented_value_is_a_false_positive_and_a_missed_one_a_false_negative() -> None:
    invented = score_id([], [Pred("ORD-1", 0.5)])
    missed = score_id(["B777"], [])
    assert (invented.tp, invented.fp, invented.fn, invented.exact) == (0, 1, 0, False)
    assert (missed.tp, missed.fp, missed.fn, missed.exact) == (0, 0, 1, False)


def test_nothing_expected_and_nothing_predicted_is_an_exact_match() -> None:
    outcome = score_id([], [])
    assert (outcome.tp, outcome.fp, outcome.fn, outcome.exact) == (0, 0, 0, True)
    assert outcome.calibration == ()


def test_phones_compare_in_e164_and_a_number_without_country_code_does_not_match() -> None:
    assert normalise_phone("+1 (415) 555-0123") == "+14155550123"
    assert score_phone(["+14155550123"], [Pred("+1 415 555 0123", 0.9)]).exact
    assert not score_phone(["+14155550123"], [Pred("415 555 0123", 0.9)]).exact


def test_emails_compare_lower_case() -> None:
    assert normalise_email(" Jane.Doe@Example.COM ") == "jane.doe@example.com"
    assert score_email(["jane.doe@example.com"], [Pred("Jane.Doe@EXAMPLE.com", 0.7)]).exact


def test_multi_label_counts_per_label() -> None:
    gold = [RiskFlag.DAMAGED_ITEM, RiskFlag.FRAUD_CONCERN, RiskFlag.URGENT_TRAVEL]
    predicted = [Pred(RiskFlag.DAMAGED_ITEM, 0.9), Pred(RiskFlag.SAFETY_HAZARD, 0.4)]
    outcome = score_enum(gold, predicted)
    assert (outcome.tp, outcome.fp, outcome.fn) == (1, 1, 2)
    assert outcome.pred == ("damaged_item", "safety_hazard")
    assert sorted(outcome.calibration) == [(0.4, False), (0.9, True)]


def test_enums_compare_by_value() -> None:
    assert score_enum([Intent.REFUND], [Pred("refund", 0.9)]).exact
    assert not score_enum([Intent.REFUND], [Pred(Intent.CANCEL_ORDER, 0.9)]).exact


def test_dates_texts_and_flags() -> None:
    assert score_date([dt.date(2025, 3, 15)], [Pred("2025-03-15", 0.6)]).exact
    assert not score_date([dt.date(2025, 3, 15)], [Pred(dt.date(2025, 3, 16), 0.6)]).exact
    assert score_text(["by Friday"], [Pred("By Friday!", 0.6)]).exact
    assert score_flag([True], [Pred(True, 0.9)]).exact
    assert not score_flag([], [Pred(True, 0.9)]).exact

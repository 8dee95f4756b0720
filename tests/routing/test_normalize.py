"""Identifier normalisation: the caller's words and the store's records compare equal."""

from __future__ import annotations

import pytest

from callhandoff.routing.normalize import digit_key, email_key, fold, id_key, name_key, phone_e164


@pytest.mark.parametrize("said", ["#HH-100234", "hh 100234", "HH100234", " hh-100234 "])
def test_order_ids_compare_punctuation_and_case_blind(said: str) -> None:
    assert id_key(said) == "HH100234"


def test_digit_key_needs_enough_digits_to_identify_an_order() -> None:
    assert digit_key("order 403-1234567") == "4031234567"
    assert digit_key("A-12") is None


def test_phones_become_e164_trying_regions_in_order() -> None:
    assert phone_e164("(415) 555-0101", ["US"]) == "+14155550101"
    assert phone_e164("+33 1 99 00 00 01", ["US"]) == "+33199000001"
    assert phone_e164("98765 43210", ["IN"]) == "+919876543210"
    assert phone_e164("12", ["US"]) is None


def test_emails_are_lower_cased_and_checked() -> None:
    assert email_key(" Alice@Example.COM ") == "alice@example.com"
    assert email_key("not-an-email") is None


def test_names_fold_accents_apostrophes_and_word_order() -> None:
    assert fold("Chloé  O'Dea") == "chloe odea"
    assert name_key("O'Connell, Maria") == name_key("maria oconnell")

"""Identifier normalisation: the caller's words and the store's records compare equal."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callhandoff.normalize import digit_key, email_key, fold, id_key, name_key, phone_e164


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


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_folding_plain_ascii_takes_no_shortcut_in_what_it_returns(value: str) -> None:
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("\u2019", "")
    assert fold(value) == re.sub(r"[^0-9a-z]+", " ", plain.casefold()).strip()


def test_a_number_written_in_a_regions_layout_is_not_reread_abroad() -> None:
    # "(977) 625-2661" is the US layout but 977 is no US area code: not an Indian number.
    assert phone_e164("(977) 625-2661", ["US", "IN"]) is None
    assert phone_e164("(977) 625-2661", ["IN", "US"]) is None
    # The same digits written the Indian way, or as bare digits, are read in India.
    assert phone_e164("97762 52661", ["US", "IN"]) == "+919776252661"
    assert phone_e164("9776252661", ["US", "IN"]) == "+919776252661"


def test_possible_but_invalid_numbers_are_rejected_everywhere() -> None:
    # Routing used to accept any *possible* number while the cross-check wanted a valid one.
    assert phone_e164("+1 977 625 2661", ["US"]) is None
    assert phone_e164("07700 900123", ["GB"]) is None  # Ofcom's drama range is not dialable


def test_extractors_cross_check_routing_and_scoring_share_one_phone_rule() -> None:
    from functools import partial

    from callhandoff.evals.scorers import normalise_phone
    from callhandoff.extractors import extract_deterministic
    from callhandoff.routing.said import said_in
    from callhandoff.schema import (
        Caller,
        Evidence,
        Extracted,
        ExtractionMeta,
        FollowUp,
        Handoff,
        Transcript,
    )
    from callhandoff.schema.enums import Destination, Speaker
    from callhandoff.schema.transcript import Turn

    call = Transcript.model_validate(
        {
            "call_id": "p1",
            "destination": "cloudcart",
            "turns": [{"speaker": "customer", "text": "my number is (415) 555-0101"}],
        }
    )
    found = extract_deterministic(
        call, reference=call.reference_time(), phone_regions=["US", "IN"]
    ).phones
    to_e164 = partial(phone_e164, regions=["US", "IN"])
    assert [p.value for p in found] == ["+14155550101"]
    assert to_e164("(415) 555-0101") == normalise_phone("+14155550101") == "+14155550101"
    # routing reads the number as said, and the caller ID, with the same rule
    said = Extracted(value="(415) 555-0101", confidence=0.9, evidence=Evidence(turn=0, quote="x"))
    handoff = Handoff(
        call_id="p1",
        destination=Destination.CLOUDCART,
        caller=Caller(phone=said),
        follow_up=FollowUp(),
        meta=ExtractionMeta(backend="hand"),
    )
    with_caller_id = call.model_copy(update={"caller_phone": "415.555.0101"})
    routed = said_in(handoff, with_caller_id, ["US", "IN"])
    assert routed.phone is not None and routed.phone.value == routed.caller_id == "+14155550101"
    # and an invalid number is nobody's, whichever stage reads it
    invalid = [Turn(speaker=Speaker.CUSTOMER, text="call me on (977) 625-2661")]
    heard = extract_deterministic(
        call.model_copy(update={"turns": invalid}),
        reference=call.reference_time(),
        phone_regions=["US", "IN"],
    )
    assert to_e164("(977) 625-2661") is None and heard.phones == []


def test_emails_clean_the_same_way_for_matching_and_scoring() -> None:
    from callhandoff.evals.scorers import normalise_email

    assert email_key("mailto:Sam.Park@Example.NET ") == "sam.park@example.net"
    assert normalise_email("mailto:Sam.Park@Example.NET ") == "sam.park@example.net"


def test_grounding_compares_ids_with_the_same_key() -> None:
    from callhandoff.grounding import VALUE_CHECKS

    assert VALUE_CHECKS["records.order_id"]("ORD-2024-0042", "it's ord 2024 0042")
    assert id_key("ord 2024 0042") == id_key("#ORD-2024-0042")

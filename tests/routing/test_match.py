"""Record matching: how a call finds its customer, order, booking and products, and how surely."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from callhandoff.routing.match import Matcher
from callhandoff.routing.match_types import MatchOutcome
from callhandoff.store.lookup import DirectoryLookup
from tests.routing.helpers import REFERENCE, Call, make_call


def _match(engine: Engine, call: Call) -> MatchOutcome:
    with engine.connect() as connection:
        return Matcher(DirectoryLookup()).match(
            connection, call.handoff, call.transcript, REFERENCE
        )


def _agreements(outcome: MatchOutcome) -> dict[str, bool]:
    return {a.field: a.agrees for a in outcome.match.agreements}


def test_order_id_finds_order_and_its_customer_whatever_the_punctuation(engine: Engine) -> None:
    outcome = _match(engine, make_call(order_id="a 100101"))
    match = outcome.match
    assert (match.matched, match.method, match.order_id, match.customer_id) == (
        True,
        "order_id",
        "A-100101",
        "C-1",
    )
    assert match.skus == ["SKU-MUG"]
    assert match.confidence >= 0.9


def test_order_digits_alone_find_the_order_with_a_finding(engine: Engine) -> None:
    match = _match(engine, make_call(order_id="100104")).match
    assert match.order_id == "A-100104"
    assert "order_id_digits_only" in match.findings


def test_unknown_order_id_is_a_finding_and_no_match(engine: Engine) -> None:
    match = _match(engine, make_call(order_id="A-555555")).match
    assert not match.matched
    assert match.confidence == 0.0
    assert "order_not_found" in match.findings


def test_phone_email_and_caller_id_identify_the_caller(engine: Engine) -> None:
    by_phone = _match(engine, make_call(phone="(415) 555-0101")).match
    by_email = _match(engine, make_call(email="BOB@example.com")).match
    by_caller_id = _match(engine, make_call(caller_phone="+14155550101")).match
    assert (by_phone.method, by_phone.customer_id) == ("phone", "C-1")
    assert (by_email.method, by_email.customer_id) == ("email", "C-2")
    assert (by_caller_id.method, by_caller_id.customer_id) == ("caller_id", "C-1")
    assert by_caller_id.confidence < by_phone.confidence


def test_a_customer_with_one_order_gets_that_order(engine: Engine) -> None:
    assert _match(engine, make_call(email="bob@example.com")).match.order_id == "A-100103"


def test_a_customer_with_several_orders_gets_the_one_with_the_named_product(engine: Engine) -> None:
    plain = _match(engine, make_call(email="alice@example.com")).match
    named = _match(engine, make_call(email="alice@example.com", products=["table lamp"])).match
    assert plain.order_id is None
    assert named.order_id == "A-100102"


def test_shared_phone_is_ambiguous_unless_the_name_settles_it(engine: Engine) -> None:
    shared = _match(engine, make_call(phone="+14155550103")).match
    named = _match(engine, make_call(phone="+14155550103", name="Dan Stone")).match
    assert not shared.matched and "ambiguous_caller" in shared.findings
    assert named.customer_id == "C-6"


def test_fuzzy_name_plus_product_matches_with_moderate_confidence(engine: Engine) -> None:
    with_product = _match(engine, make_call(name="Alise Moreau", products=["ceramic mug"])).match
    name_only = _match(engine, make_call(name="Alise Moreau")).match
    assert (with_product.method, with_product.customer_id, with_product.order_id) == (
        "fuzzy_name+product",
        "C-1",
        "A-100101",
    )
    assert name_only.method == "fuzzy_name"
    assert name_only.confidence < with_product.confidence < 0.9
    assert name_only.confidence < 0.75


def test_a_single_first_name_never_matches_fuzzily(engine: Engine) -> None:
    assert not _match(engine, make_call(name="Alice")).match.matched


def test_email_disagreement_is_reported_and_lowers_confidence(engine: Engine) -> None:
    agreeing = _match(engine, make_call(order_id="A-100101", email="alice@example.com")).match
    differing = _match(engine, make_call(order_id="A-100101", email="alice@other.org")).match
    assert _agreements_of(agreeing) == {"order_id": True, "email": True}
    assert _agreements_of(differing) == {"order_id": True, "email": False}
    assert [d.field for d in differing.disagreements] == ["email"]
    assert differing.disagreements[0].on_record == "alice@example.com"
    assert differing.confidence < agreeing.confidence - 0.2


def _agreements_of(match: object) -> dict[str, bool]:
    return {a.field: a.agrees for a in match.agreements}  # type: ignore[attr-defined]


def test_order_that_belongs_to_another_caller_is_flagged(engine: Engine) -> None:
    match = _match(engine, make_call(order_id="A-100101", email="carol@example.com")).match
    assert match.customer_id == "C-1"
    assert "order_not_callers" in match.findings
    assert match.confidence < 0.75


def test_name_agreement_tolerates_spelling(engine: Engine) -> None:
    outcome = _match(engine, make_call(order_id="A-100101", name="Alice Moreau"))
    misspelt = _match(engine, make_call(order_id="A-100101", name="Alise Morreau"))
    stranger = _match(engine, make_call(order_id="A-100101", name="Zed Quinn"))
    assert _agreements(outcome)["name"] and _agreements(misspelt)["name"]
    assert not _agreements(stranger)["name"]


def test_sku_checks_unknown_and_not_in_order(engine: Engine) -> None:
    unknown = _match(engine, make_call(order_id="A-100101", skus=["SKU-NOPE"])).match
    other = _match(engine, make_call(order_id="A-100101", skus=["SKU-LAMP"])).match
    right = _match(engine, make_call(order_id="A-100101", skus=["sku mug"])).match
    assert {"sku_unknown", "sku_not_in_order"} <= set(unknown.findings)
    assert other.findings == ["sku_not_in_order"]
    assert _agreements_of(right)["product"]
    assert right.findings == []


def test_return_window_open_closed_and_not_returnable(engine: Engine) -> None:
    fresh = _match(engine, make_call(order_id="A-100101", intent="return_or_exchange")).match
    old = _match(engine, make_call(order_id="A-100102", intent="refund")).match
    stl = _match(engine, make_call("c", "cults", order_id="B-200202", intent="return_or_exchange"))
    not_shipped = _match(engine, make_call(order_id="A-100104", intent="return_or_exchange")).match
    assert "return_window_open" in fresh.findings
    assert "return_window_closed" in old.findings
    assert "not_returnable" in stl.match.findings
    assert "return_window_open" in not_shipped.findings


def test_out_of_stock_product_inquiry(engine: Engine) -> None:
    match = _match(engine, make_call(intent="product_inquiry", skus=["SKU-LAMP"])).match
    assert "out_of_stock" in match.findings


def test_product_name_finds_a_catalogue_product_without_an_order(engine: Engine) -> None:
    outcome = _match(
        engine,
        make_call("c", "cults", intent="product_inquiry", products=["painted knight figurine"]),
    )
    assert list(outcome.products) == ["P-KNIGHT"]


def test_booking_reference_finds_booking_and_customer(engine: Engine) -> None:
    match = _match(engine, make_call(intent="booking", booking_id="bk 7001")).match
    assert (match.method, match.booking_id, match.customer_id) == ("booking_id", "BK-7001", "C-3")


def test_matching_stays_inside_the_destination(engine: Engine) -> None:
    match = _match(engine, make_call("c", "cults", order_id="A-100101")).match
    assert not match.matched


def test_dropped_identifier_lowers_confidence(engine: Engine) -> None:
    clean = _match(engine, make_call(order_id="A-100101")).match
    dropped = _match(engine, make_call(order_id="A-100101", dropped=["caller.phone"])).match
    assert dropped.confidence == clean.confidence - 0.1


def test_low_extraction_confidence_caps_the_match(engine: Engine) -> None:
    match = _match(engine, make_call(order_id="A-100101", confidence=0.5)).match
    assert match.confidence <= 0.55


def test_store_mismatch_is_a_finding(engine: Engine) -> None:
    match = _match(engine, make_call(order_id="A-100101", store="another-shop")).match
    assert "store_mismatch" in match.findings


def test_short_first_names_agree_with_the_full_one(engine: Engine) -> None:
    short = _match(engine, make_call(order_id="A-100101", name="Ali Moreau"))
    other = _match(engine, make_call(order_id="A-100104", name="Dan Stone"))
    assert _agreements(short)["name"]
    assert not _agreements(other)["name"]


def test_a_purchase_call_is_about_the_product_not_an_old_order(engine: Engine) -> None:
    outcome = _match(
        engine, make_call(intent="purchase_intent", email="alice@example.com", skus=["SKU-LAMP"])
    )
    assert outcome.match.order_id is None
    assert list(outcome.products) == ["SKU-LAMP"]


def test_a_booking_is_linked_to_the_undelivered_order_it_serves(engine: Engine) -> None:
    outcome = _match(engine, make_call(intent="booking", booking_id="BK-7001"))
    assert outcome.order is None
    assert outcome.related_order is not None
    assert outcome.related_order.order_id == "A-100104"

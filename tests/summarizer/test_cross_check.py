"""Model vs deterministic extractors on ids, phones and emails."""

from __future__ import annotations

from functools import partial

from callhandoff.normalize import email_key, id_key, phone_e164
from callhandoff.summarizer.cross_check import DISAGREEMENT_FACTOR, reconcile

from .helpers import ex, transcript

CALL = transcript(
    "x",
    [
        ("customer", "Order 502-2345678-9012345 please, or maybe 111-2223334-4445556"),
        ("customer", "call me on 415 555 2671"),
    ],
)


def check(name: str, llm: object, found: list[object], norm: object):  # type: ignore[no-untyped-def]
    return reconcile(name, llm, found, norm, CALL, fuzzy_threshold=90.0)  # type: ignore[arg-type]


def test_agreement_keeps_the_extractor_form_and_the_higher_confidence() -> None:
    llm = ex("5022345678 9012345", 0, "Order 502-2345678-9012345", confidence=0.85, source="llm")
    rule = ex("502-2345678-9012345", 0, "502-2345678-9012345", confidence=0.9)
    result = check("order_id", llm, [rule], id_key)
    assert result.value is not None and result.value.value == "502-2345678-9012345"
    assert result.value.confidence == 0.9 and result.value.source == "llm+rule"
    assert result.disagreement is None


def test_disagreement_keeps_the_grounded_extractor_value_with_lower_confidence() -> None:
    llm = ex("111-2223334-4445556", 0, "maybe 111-2223334-4445556", source="llm")
    rule = ex("502-2345678-9012345", 0, "502-2345678-9012345", confidence=0.9)
    result = check("order_id", llm, [rule], id_key)
    assert result.value is not None and result.value.value == "502-2345678-9012345"
    assert result.value.confidence == round(0.9 * DISAGREEMENT_FACTOR, 3)
    assert result.disagreement == (
        "order_id: model said '111-2223334-4445556' (turn 0), extractors found "
        "'502-2345678-9012345' (turn 0); kept '502-2345678-9012345'"
    )
    assert [o.value for o in result.others] == ["11122233344445556"]


def test_phone_comparison_is_on_e164() -> None:
    norm = partial(phone_e164, regions=["US"])
    assert norm("(415) 555-2671") == "+14155552671"
    assert norm("not a phone") is None
    llm = ex("415-555-2671", 1, "415 555 2671", source="llm")
    rule = ex("+14155552671", 1, "415 555 2671")
    assert check("phone", llm, [rule], norm).disagreement is None
    other = ex("+14155550000", 1, "415 555 0000", source="llm")
    assert check("phone", other, [rule], norm).disagreement is not None


def test_model_only_values_are_kept_lower_or_dropped() -> None:
    grounded = ex("415 555 2671", 1, "415 555 2671", confidence=0.85, source="llm")
    kept = check("phone", grounded, [], partial(phone_e164, regions=["US"]))
    assert kept.value is not None and kept.value.value == "+14155552671"
    assert kept.value.confidence < 0.85 and "extractors found none" in (kept.disagreement or "")
    invented = ex("bob@x.io", 1, "bob at x dot io", source="llm")
    dropped = check("email", invented, [], email_key)
    assert dropped.value is None and "not grounded" in (dropped.disagreement or "")


def test_no_model_value_takes_the_extractors() -> None:
    rule = ex("a@b.co", 0, "a@b.co")
    second = ex("c@d.co", 1, "c@d.co")
    result = check("email", None, [rule, second], email_key)
    assert result.value == rule and result.others == [second] and result.disagreement is None

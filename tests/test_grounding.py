"""The grounding check: unsupported values are dropped and the drop is recorded."""

from __future__ import annotations

from callhandoff.grounding import ground_handoff, locate_quote, quote_in_text
from callhandoff.schema import (
    Caller,
    Evidence,
    Extracted,
    ExtractionMeta,
    Handoff,
    Intent,
    Records,
    Request,
    RiskFlag,
    Transcript,
)

TRANSCRIPT = Transcript.model_validate(
    {
        "call_id": "dn-1",
        "destination": "cloudcart",
        "turns": [
            {"speaker": "agent", "text": "Thanks for calling Harbor and Home, how can I help?"},
            {
                "speaker": "customer",
                "text": "Hi, um, my order H H one zero zero two three four arrived with a "
                "cracked lid.",
            },
            {"speaker": "customer", "text": "You can reach me on 415 555 0123, that's my cell."},
        ],
    }
)


def _value(value: object, turn: int, quote: str) -> Extracted:  # type: ignore[type-arg]
    return Extracted(value=value, confidence=0.9, evidence=Evidence(turn=turn, quote=quote))


def _handoff(**parts: object) -> Handoff:
    return Handoff(
        call_id="dn-1", destination="cloudcart", meta=ExtractionMeta(backend="test"), **parts
    )  # type: ignore[arg-type]


def test_verbatim_and_folded_quotes_are_found() -> None:
    text = "Hi, um, my order arrived with a CRACKED   lid."
    assert quote_in_text("arrived with a", text, fuzzy_threshold=90)
    assert quote_in_text("arrived with a cracked lid", text, fuzzy_threshold=100)


def test_fuzzy_match_only_for_long_quotes() -> None:
    text = "my order arrived with a cracked lid yesterday"
    assert quote_in_text("order arived with a craked lid", text, fuzzy_threshold=85)
    assert not quote_in_text("craked lid", text, fuzzy_threshold=85)  # too short to be fuzzy


def test_grounded_values_survive_untouched() -> None:
    intent = _value(Intent.RETURN_OR_EXCHANGE, 1, "arrived with a cracked lid")
    handoff = _handoff(request=Request(intent=intent))
    grounded = ground_handoff(handoff, TRANSCRIPT, fuzzy_threshold=90)
    assert grounded.request.intent == intent
    assert grounded.grounding.dropped == []
    assert grounded.grounding.checked == 1


def test_quote_not_in_cited_turn_is_dropped_and_recorded() -> None:
    handoff = _handoff(request=Request(intent=_value(Intent.REFUND, 1, "I want my money back now")))
    grounded = ground_handoff(handoff, TRANSCRIPT, fuzzy_threshold=90)
    assert grounded.request.intent is None
    [drop] = grounded.grounding.dropped
    assert drop.field == "request.intent"
    assert drop.value == "refund"
    assert drop.reason == "quote not found in the call"


def test_quote_said_in_another_turn_is_reanchored_and_recorded() -> None:
    flag = _value(RiskFlag.DAMAGED_ITEM, 2, "arrived with a cracked lid")
    beyond = _value(RiskFlag.DAMAGED_ITEM, 7, "cracked lid")  # turn 7 does not exist
    for item in (flag, beyond):
        grounded = ground_handoff(_handoff(risk_flags=[item]), TRANSCRIPT, fuzzy_threshold=90)
        [kept] = grounded.risk_flags
        assert kept.evidence.turn == 1 and kept.evidence.quote == item.evidence.quote
        [moved] = grounded.grounding.reanchored
        assert (moved.field, moved.cited_turn, moved.turn) == ("risk_flags", item.evidence.turn, 1)
        assert grounded.grounding.dropped == []


def test_reanchoring_prefers_the_nearest_turn_and_verbatim_over_fuzzy() -> None:
    texts = ["I want a refund", "thanks", "no", "ok", "I want a refund", "I want a refunds today"]
    assert locate_quote("I want a refund", texts, 3, fuzzy_threshold=90) == 4
    assert locate_quote("I want a refund", texts, 1, fuzzy_threshold=90) == 0
    assert locate_quote("I want a refunds", texts, 1, fuzzy_threshold=90) == 5  # verbatim wins
    other = ["hello there, who is this", "thanks", "the parcel arrived crushed today"]
    assert locate_quote("parcel arived crushd today", other, 0, fuzzy_threshold=85) == 2
    assert locate_quote("a full refund please", texts, 0, fuzzy_threshold=90) is None


def test_reanchored_identifier_must_still_be_in_its_quote() -> None:
    wrong = _value("+14155550199", 0, "415 555 0123")  # quote is in turn 2, value is not
    grounded = ground_handoff(_handoff(caller=Caller(phone=wrong)), TRANSCRIPT, fuzzy_threshold=90)
    assert grounded.caller.phone is None
    assert "is not in the quoted words" in grounded.grounding.dropped[0].reason


def test_order_id_must_be_readable_in_the_quote_spoken_forms_included() -> None:
    spoken = _value("HH-1002341", 1, "my order H H one zero zero two three four")
    invented = _value("HH-999999", 1, "my order H H one zero zero two three four")
    handoff = _handoff(records=Records(order_id=spoken, other_order_ids=[invented]))
    grounded = ground_handoff(handoff, TRANSCRIPT, fuzzy_threshold=90)
    assert grounded.records.order_id is None  # HH1002341 is not what was said (HH100234)
    ok = ground_handoff(
        _handoff(
            records=Records(
                order_id=_value("HH-100234", 1, "my order H H one zero zero two three four")
            )
        ),
        TRANSCRIPT,
        fuzzy_threshold=90,
    )
    assert ok.records.order_id is not None
    assert [d.field for d in grounded.grounding.dropped] == [
        "records.order_id",
        "records.other_order_ids",
    ]


def test_phone_must_match_the_digits_said() -> None:
    said = _value("+14155550123", 2, "415 555 0123")
    wrong = _value("+14155550199", 2, "415 555 0123")
    assert (
        ground_handoff(
            _handoff(caller=Caller(phone=said)), TRANSCRIPT, fuzzy_threshold=90
        ).caller.phone
        == said
    )
    dropped = ground_handoff(_handoff(caller=Caller(phone=wrong)), TRANSCRIPT, fuzzy_threshold=90)
    assert dropped.caller.phone is None
    assert "is not in the quoted words" in dropped.grounding.dropped[0].reason

"""Field-by-field checking of a model answer: what is kept, moved, dropped and asked again."""

from __future__ import annotations

import json

from callhandoff.summarizer.response_model import CallExtraction, HybridExtraction
from callhandoff.summarizer.salvage import Salvage, fit_summary, parse_answer, salvage_answer

from .helpers import CALL_TURNS, cited, good_answer

TURNS = [text for _, text in CALL_TURNS]


def check(answer: dict[str, object], into: Salvage | None = None) -> Salvage:
    return salvage_answer(answer, CallExtraction, TURNS, 90.0, into=into)


def test_a_grounded_answer_is_kept_whole() -> None:
    found = check(good_answer())
    assert found.problems == {} and found.dropped == [] and found.reanchored == []
    assert found.failed(CallExtraction) == []
    assert found.values["intent"].value == "refund"
    assert [o.value for o in found.values["order_ids"]] == ["502-2345678-9012345"]


def test_a_misnumbered_quote_is_reanchored_not_failed() -> None:
    found = check(good_answer(return_reason=cited("damaged", 3, "arrived with a cracked screen")))
    assert found.values["return_reason"].turn == 0
    [moved] = found.reanchored
    assert (moved.field, moved.cited_turn, moved.turn) == ("return_reason", 3, 0)
    assert found.failed(CallExtraction) == []


def test_an_invalid_field_is_dropped_with_its_reason_and_the_rest_kept() -> None:
    found = check(
        good_answer(
            intent=cited("money_back", 2, "I want a full refund"),
            refund_expectation=cited("full_refund", 2, "give me all my money back now"),
        )
    )
    assert "intent" not in found.values and "refund_expectation" not in found.values
    assert "Input should be 'order_status'" in found.problems["intent"]
    assert found.problems["refund_expectation"].startswith(
        "quote 'give me all my money back now' is not in the call"
    )
    assert found.values["urgency"].value == "high" and found.values["email"]
    assert found.failed(CallExtraction) == ["intent", "refund_expectation"]
    assert {d.field for d in found.dropped} == {"intent", "refund_expectation"}
    drop = next(d for d in found.dropped if d.field == "refund_expectation")
    assert drop.value == "full_refund" and drop.evidence is not None


def test_identifiers_must_be_said_in_the_call() -> None:
    found = check(
        good_answer(
            order_ids=[
                cited("502-2345678-9012345", 1, "Can I have your email?"),  # said in turn 0
                cited("999-0000000-1111111", 0, "my order 502-2345678-9012345"),  # never said
                cited("cracked", 0, "cracked screen"),
            ]
        )
    )
    [kept] = found.values["order_ids"]
    assert (kept.value, kept.turn, kept.quote) == ("502-2345678-9012345", 0, "502-2345678-9012345")
    reasons = [d.reason for d in found.dropped]
    assert any("'999-0000000-1111111' is not said in the call" in r for r in reasons)
    assert any("is not an order id" in r for r in reasons)


def test_missing_required_fields_fail_and_null_is_an_answer_for_nullable_ones() -> None:
    answer = {
        "intent": cited("refund", 2, "I want a full refund"),
        "return_reason": None,
        "refund_expectation": None,
        "risk_flags": [],
    }
    found = salvage_answer(answer, HybridExtraction, TURNS, 90.0)
    assert found.failed(HybridExtraction) == ["urgency", "summary", "next_step"]
    assert found.problem_lines(["urgency"]) == ["urgency: missing"]


def test_a_reask_answer_is_merged_into_what_was_kept() -> None:
    first = check(good_answer(intent=cited("refund", 2, "money money money"), risk_flags=[]))
    assert first.failed(CallExtraction) == ["intent"]
    merged = check(
        {
            "intent": cited("refund", 2, "I want a full refund"),
            "risk_flags": [cited("damaged_item", 0, "cracked screen")],
        },
        into=first,
    )
    assert merged.failed(CallExtraction) == []
    assert merged.values["intent"].quote == "I want a full refund"
    assert [r.value for r in merged.values["risk_flags"]] == ["damaged_item"]
    assert merged.values["summary"].startswith("Phone arrived cracked")  # kept from the first


def test_a_long_summary_is_cut_back_to_whole_sentences() -> None:
    text = "First sentence here. " + "word " * 70 + "end."
    assert fit_summary(text) == "First sentence here."
    assert len(fit_summary("word " * 80).split()) == 60
    found = check(good_answer(summary="word " * 80))
    assert len(found.values["summary"].split()) == 60 and "summary" not in found.problems


def test_answers_cut_off_or_wrapped_are_read_as_far_as_they_go() -> None:
    full = json.dumps(good_answer())
    assert parse_answer("```json\n" + full + "\n```") == good_answer()
    assert parse_answer("Here you go: " + full) == good_answer()
    cut = full[: full.index('"email"') + 30]
    partial = parse_answer(cut)
    assert (
        partial is not None and partial["intent"]["value"] == "refund" and "summary" not in partial
    )
    assert parse_answer("no JSON at all") is None and parse_answer(None) is None


def test_placeholders_are_left_out_and_invented_values_not_asked_again() -> None:
    found = check(
        good_answer(
            deadline={"value": None, "turn": None, "quote": None},
            customer_name={"value": "", "turn": 0, "quote": ""},
            phone=cited("123-456-7890", 1, "Can I have your email?"),  # a stand-in, never said
            products=[{"value": None, "turn": 0, "quote": "x"}],
        )
    )
    assert "deadline" not in found.problems and "customer_name" not in found.problems
    assert found.values["products"] == [] and "products" not in found.problems
    assert "'123-456-7890' is not said in the call" in found.problems["phone"]
    assert [d.field for d in found.dropped] == ["phone"]
    assert found.failed(CallExtraction) == []  # asking again would only invite another guess
    required = check(good_answer(intent={"value": None, "turn": 0, "quote": "x"}))
    assert required.failed(CallExtraction) == ["intent"]


def test_names_products_and_deadlines_must_be_said_in_the_call() -> None:
    found = check(
        good_answer(
            customer_name=cited("Customer Name", 0, "Hi, my order"),
            products=[cited("screen", 0, "cracked screen"), cited("tablet", 0, "cracked screen")],
            deadline=cited("by Friday", 0, "my order 502-2345678-9012345"),
        )
    )
    assert "customer_name" not in found.values
    assert [p.value for p in found.values["products"]] == ["screen"]
    deadline = found.values["deadline"]
    assert (deadline.turn, deadline.quote) == (2, "by Friday")  # re-anchored where it was said

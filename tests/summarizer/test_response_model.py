"""The model-facing schema: lean enough, and validation that tells the model what to fix."""

from __future__ import annotations

import asyncio
import json

import pytest
from instructor import Mode, Provider
from instructor.v2.core.registry import mode_registry
from pydantic import ValidationError

from callhandoff.summarizer.prompts import load_prompt
from callhandoff.summarizer.response_model import CallExtraction, validating_against
from callhandoff.summarizer.tokens import count_messages, get_encoding

from .helpers import CALL_TURNS, good_answer

TURNS = [text for _, text in CALL_TURNS]
OVERHEAD_LIMIT = 1500


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA, Mode.JSON])
def test_fixed_prompt_overhead_stays_under_1500_tokens(mode: Mode) -> None:
    prompt = load_prompt("handoff-v1")
    messages = [
        {"role": "system", "content": prompt.system},
        {
            "role": "user",
            "content": prompt.render_user(destination="cloudcart", store=None, turns=""),
        },
    ]
    handlers = mode_registry.get_handlers(Provider.OPENAI, mode)
    _, request = handlers.request_handler(
        response_model=CallExtraction, kwargs={"messages": messages}
    )
    overhead = count_messages(
        request["messages"],
        get_encoding(),
        tools=request.get("tools"),
        response_format=request.get("response_format"),
    )
    assert overhead < OVERHEAD_LIMIT, f"{mode}: {overhead} tokens of fixed overhead"


def test_schema_is_lean_but_keeps_the_enums() -> None:
    schema = json.dumps(CallExtraction.model_json_schema())
    assert '"title"' not in schema.replace('"title": "CallExtraction"', "")
    assert '"legal_or_chargeback_threat"' in schema and '"wrong_size_or_fit"' in schema


def parse(answer: dict[str, object]) -> CallExtraction:
    with validating_against(TURNS, 90.0):
        return CallExtraction.model_validate_json(json.dumps(answer))


def problems(answer: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        parse(answer)
    return str(caught.value)


def test_a_grounded_answer_validates() -> None:
    parsed = parse(good_answer())
    assert parsed.intent.value == "refund"
    assert [path for path, _ in parsed.cited()][:3] == ["intent", "order_ids[0]", "email"]


def test_quote_not_in_the_cited_turn_is_explained() -> None:
    bad = good_answer(return_reason={"value": "damaged", "turn": 1, "quote": "cracked screen"})
    text = problems(bad)
    assert "return_reason: quote 'cracked screen' is not in turn 1, which says" in text
    assert "Can I have your email?" in text


def test_order_id_must_be_in_its_quote_and_have_digits() -> None:
    invented = good_answer(order_ids=[{"value": "777-1", "turn": 0, "quote": "my order"}])
    assert "the order id '777-1' is not in its quote" in problems(invented)
    wordy = good_answer(order_ids=[{"value": "cracked", "turn": 0, "quote": "cracked screen"}])
    assert "is not an order id" in problems(wordy)


def test_turn_out_of_range_invalid_enum_and_long_summary() -> None:
    assert "turn 9 does not exist (the call has turns 0-3)" in problems(
        good_answer(urgency={"value": "high", "turn": 9, "quote": "x"})
    )
    assert "Input should be 'order_status'" in problems(
        good_answer(intent={"value": "money_back", "turn": 2, "quote": "I want a full refund"})
    )
    assert "summary has 70 words; write at most 60" in problems(good_answer(summary="w " * 70))


def test_without_a_scope_only_the_shape_is_checked() -> None:
    bad = good_answer(urgency={"value": "high", "turn": 9, "quote": "x"})
    assert CallExtraction.model_validate_json(json.dumps(bad)).urgency.turn == 9


def test_concurrent_tasks_validate_against_their_own_call() -> None:
    async def check(turns: list[str], answer: dict[str, object]) -> bool:
        with validating_against(turns, 90.0):
            await asyncio.sleep(0.001)
            try:
                CallExtraction.model_validate_json(json.dumps(answer))
            except ValidationError:
                return False
            return True

    async def both() -> list[bool]:
        return list(
            await asyncio.gather(
                check(TURNS, good_answer()), check(["nothing relevant"], good_answer())
            )
        )

    assert asyncio.run(both()) == [True, False]

"""The model-facing schemas: lean enough for small models, and re-asks cut down to what failed."""

from __future__ import annotations

import json

import pytest
from instructor import Mode, Provider
from instructor.v2.core.registry import mode_registry

from callhandoff.summarizer.prompts import load_prompt
from callhandoff.summarizer.response_model import (
    CallExtraction,
    HybridExtraction,
    LeanSchema,
    required_fields,
    subset,
)
from callhandoff.summarizer.tokens import count_messages, get_encoding

OVERHEAD_LIMIT = 1500
JSON_MODE_LIMIT = 2000  # json mode pastes an indented copy of the schema into the prompt


def overhead(prompt_id: str, model: type[LeanSchema], mode: Mode) -> int:
    prompt = load_prompt(prompt_id)
    messages = [
        {"role": "system", "content": prompt.system},
        {
            "role": "user",
            "content": prompt.render_user(destination="cloudcart", store=None, turns=""),
        },
    ]
    handlers = mode_registry.get_handlers(Provider.OPENAI, mode)
    _, request = handlers.request_handler(response_model=model, kwargs={"messages": messages})
    return count_messages(
        request["messages"],
        get_encoding(),
        tools=request.get("tools"),
        response_format=request.get("response_format"),
    )


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON_SCHEMA, Mode.JSON])
def test_fixed_prompt_overhead_stays_small(mode: Mode) -> None:
    limit = JSON_MODE_LIMIT if mode is Mode.JSON else OVERHEAD_LIMIT
    assert overhead("handoff-v2", CallExtraction, mode) < limit


def test_the_hybrid_question_is_much_smaller() -> None:
    full = overhead("handoff-v2", CallExtraction, Mode.JSON_SCHEMA)
    hybrid = overhead("hybrid-v2", HybridExtraction, Mode.JSON_SCHEMA)
    assert hybrid < 0.8 * full, (hybrid, full)
    schema = json.dumps(HybridExtraction.model_json_schema())
    for exact in ("order_ids", "phone", "email", "deadline"):
        assert f'"{exact}"' not in schema  # the extractors own these


def test_schema_is_lean_keeps_the_enums_and_says_how_long_quotes_may_be() -> None:
    schema = CallExtraction.model_json_schema()
    text = json.dumps(schema)
    assert '"title"' not in text.replace('"title": "CallExtraction"', "")
    assert '"legal_or_chargeback_threat"' in text and '"wrong_size_or_fit"' in text
    quote = schema["properties"]["intent"]["properties"]["quote"]
    assert quote == {"maxLength": 80, "type": "string"}


def test_hybrid_makes_the_model_decide_on_reason_and_remedy() -> None:
    schema = HybridExtraction.model_json_schema()
    assert {"return_reason", "refund_expectation"} <= set(schema["required"])
    assert {"type": "null"} in schema["properties"]["return_reason"]["anyOf"]
    # ... but null is a valid answer: only these need a value
    assert required_fields(HybridExtraction) == ["intent", "urgency", "summary", "next_step"]


def test_a_reask_model_holds_only_the_failed_fields_in_schema_order() -> None:
    fix = subset(CallExtraction, ["summary", "intent"])
    assert list(fix.model_fields) == ["intent", "summary"]
    assert fix.__name__ == "CallExtraction"
    assert set(fix.model_json_schema()["properties"]) == {"intent", "summary"}
    assert subset(CallExtraction, ["intent", "summary"]) is fix  # built once
    assert subset(CallExtraction, list(CallExtraction.model_fields)) is CallExtraction

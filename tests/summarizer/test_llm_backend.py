"""The LLM backend end to end over an injected httpx2 transport: parsing, retries, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, cast

import httpx2
import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.schema.enums import Intent, ReturnReason, Workflow
from callhandoff.schema.handoff import Handoff
from callhandoff.summarizer.llm_backend import LLMBackend
from callhandoff.summarizer.prompts import load_prompt

from .helpers import (
    completion,
    default_fields,
    good_answer,
    minimal_answer,
    ok,
    request_json,
    settings,
    transcript,
)

Handler = Callable[[httpx2.Request], httpx2.Response]


class Recorder:
    """A scripted endpoint: answers from a list (last one repeats), keeps the requests."""

    def __init__(self, *responses: httpx2.Response | Exception):
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        item = self.responses[min(len(self.requests) - 1, len(self.responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item


def backend(
    tmp_path: Path, handler: Any, sleeps: list[float] | None = None, **overrides: Any
) -> LLMBackend:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return LLMBackend(
        settings(tmp_path, **overrides),
        transport=httpx2.MockTransport(handler),
        sleep=sleep,
        extractor=default_fields,
    )


def run_one(b: LLMBackend, call_id: str = "call-1") -> Handoff:
    try:
        return b.extract(transcript(call_id))
    finally:
        b.close()


def test_valid_answer_becomes_a_handoff_with_meta(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer(), prompt_tokens=1200, completion_tokens=150)))
    handoff = run_one(backend(tmp_path, endpoint, model="gpt-4o-mini"))

    assert handoff.meta.fallback_reason is None
    assert handoff.request.intent is not None and handoff.request.intent.value is Intent.REFUND
    assert handoff.request.intent.evidence.turn == 2
    assert handoff.records.order_id is not None
    assert handoff.records.order_id.value == "502-2345678-9012345"
    assert handoff.exception.return_reason is not None
    assert handoff.exception.return_reason.value is ReturnReason.DAMAGED
    assert handoff.workflow is not None and handoff.workflow.value is Workflow.HANDLE_EXCEPTION
    assert handoff.damage is not None and handoff.damage.photo_needed
    prompt = load_prompt("handoff-v2")
    meta = handoff.meta
    assert (meta.backend, meta.model, meta.prompt_id, meta.prompt_hash) == (
        "openai",
        "gpt-4o-mini",
        "handoff-v2",
        prompt.sha256,
    )
    assert (meta.attempts, meta.prompt_tokens, meta.completion_tokens) == (1, 1200, 150)
    assert meta.cost_usd == pytest.approx((1200 * 0.15 + 150 * 0.60) / 1e6)
    assert meta.latency_ms > 0 and not meta.cached
    body = request_json(endpoint.requests[0])
    assert body["tool_choice"]["function"]["name"] == "CallExtraction"
    assert "[0] customer: Hi, my order" in body["messages"][-1]["content"]


def test_invalid_json_is_retried_and_tokens_are_summed(tmp_path: Path) -> None:
    endpoint = Recorder(
        ok(completion('{"intent": {"value": "refund", ', prompt_tokens=900, completion_tokens=20)),
        ok(completion(good_answer(), prompt_tokens=1000, completion_tokens=120)),
    )
    handoff = run_one(backend(tmp_path, endpoint))

    assert handoff.meta.fallback_reason is None
    assert handoff.meta.attempts == 2
    assert (handoff.meta.prompt_tokens, handoff.meta.completion_tokens) == (1900, 140)


def test_an_invalid_field_is_dropped_and_only_it_is_asked_again(tmp_path: Path) -> None:
    bad = good_answer(intent={"value": "money_back", "turn": 2, "quote": "I want a full refund"})
    fix = {"intent": {"value": "refund", "turn": 2, "quote": "I want a full refund"}}
    endpoint = Recorder(
        ok(completion(bad, prompt_tokens=1200, completion_tokens=150)),
        ok(completion(fix, prompt_tokens=500, completion_tokens=30)),
    )
    handoff = run_one(backend(tmp_path, endpoint))

    assert handoff.meta.fallback_reason is None
    assert handoff.request.intent is not None and handoff.request.intent.value is Intent.REFUND
    assert handoff.meta.attempts == 2 and handoff.meta.reasked == ["intent"]
    assert (handoff.meta.prompt_tokens, handoff.meta.completion_tokens) == (1700, 180)
    reask = request_json(endpoint.requests[1])
    schema = reask["tools"][0]["function"]["parameters"]
    assert list(schema["properties"]) == ["intent"]  # only the failed field
    system = reask["messages"][0]["content"]
    assert "- intent: money_back" not in system and "intent: " in system
    assert "Input should be 'order_status'" in system  # the problem, named
    assert len(reask["messages"]) == 2  # no earlier answer replayed: a short prompt
    first = request_json(endpoint.requests[0])
    assert len(system) < len(first["messages"][0]["content"])
    assert handoff.exception.return_reason is not None  # kept from the first answer


def test_an_invented_order_id_is_dropped_and_the_extractors_fill_it(tmp_path: Path) -> None:
    invented = good_answer(
        order_ids=[
            {"value": "999-0000000-1111111", "turn": 0, "quote": "order 999-0000000-1111111"}
        ]
    )
    endpoint = Recorder(ok(completion(invented, prompt_tokens=800, completion_tokens=80)))
    handoff = run_one(backend(tmp_path, endpoint, max_retries=2))

    assert handoff.meta.fallback_reason is None
    assert len(endpoint.requests) == 3  # asked twice more for order_ids only
    assert handoff.meta.attempts == 3 and handoff.meta.reasked == ["order_ids"]
    assert handoff.records.order_id is not None
    assert handoff.records.order_id.value == "502-2345678-9012345"
    assert "order_ids (extractors)" in handoff.meta.filled
    drops = [d for d in handoff.grounding.dropped if d.field == "order_ids[0]"]
    assert drops and "is not in the call" in drops[0].reason
    assert handoff.request.intent is not None  # everything else was kept
    feedback = request_json(endpoint.requests[1])["messages"][0]["content"]
    assert "order 999-0000000-1111111" in feedback


def test_nothing_usable_falls_back_to_review_with_the_reason(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion("I cannot help with that.", prompt_tokens=800)))
    handoff = run_one(backend(tmp_path, endpoint, max_retries=1))

    reason = handoff.meta.fallback_reason
    assert reason is not None and reason.startswith("no usable field after 2 attempts")
    assert "gave no JSON object" in reason
    assert (handoff.meta.attempts, handoff.meta.prompt_tokens) == (2, 1600)
    assert handoff.request.intent is None
    assert handoff.records.order_id is not None  # the reviewer still gets the exact ids


def test_429_honours_retry_after(tmp_path: Path) -> None:
    sleeps: list[float] = []
    endpoint = Recorder(
        httpx2.Response(
            429, json={"error": {"message": "slow down"}}, headers={"Retry-After": "7"}
        ),
        ok(completion(good_answer())),
    )
    handoff = run_one(backend(tmp_path, endpoint, sleeps=sleeps))

    assert handoff.meta.fallback_reason is None
    assert len(sleeps) == 1 and 7.0 <= sleeps[0] <= 7.7


def test_500s_retry_with_backoff_then_fall_back_uncached(tmp_path: Path) -> None:
    sleeps: list[float] = []
    endpoint = Recorder(httpx2.Response(500, json={"error": {"message": "boom"}}))
    b = backend(tmp_path, endpoint, sleeps=sleeps, transport_retries=3, retry_backoff_s=0.5)
    handoff = run_one(b)

    assert handoff.meta.fallback_reason == (
        "HTTP 500 from the model endpoint after 4 attempts: boom"
    )
    assert len(endpoint.requests) == 4
    assert len(sleeps) == 3 and all(0 <= s <= 0.5 * 2**i for i, s in enumerate(sleeps))
    # a transport failure is not cached: the next run asks again
    again = Recorder(ok(completion(good_answer())))
    assert run_one(backend(tmp_path, again)).meta.fallback_reason is None
    assert len(again.requests) == 1


def test_timeouts_retry_then_fall_back(tmp_path: Path) -> None:
    endpoint = Recorder(httpx2.ReadTimeout("read timed out"))
    handoff = run_one(backend(tmp_path, endpoint, transport_retries=1, timeout_s=5))

    assert handoff.meta.fallback_reason == "the model endpoint timed out (5 s) on 2 attempts"
    assert len(endpoint.requests) == 2


def test_timeout_then_success(tmp_path: Path) -> None:
    endpoint = Recorder(httpx2.ConnectError("refused"), ok(completion(good_answer())))
    handoff = run_one(backend(tmp_path, endpoint))
    assert handoff.meta.fallback_reason is None and len(endpoint.requests) == 2


def test_bad_key_stops_the_run_with_a_clear_error(tmp_path: Path) -> None:
    endpoint = Recorder(httpx2.Response(401, json={"error": {"message": "Incorrect API key"}}))
    with pytest.raises(ConfigError, match=r"refused the API key .*CALLHANDOFF_API_KEY"):
        run_one(backend(tmp_path, endpoint))


def test_per_call_token_budget_stops_before_sending(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer())))
    handoff = run_one(backend(tmp_path, endpoint, max_tokens_per_call=600))

    assert handoff.meta.fallback_reason is not None
    assert handoff.meta.fallback_reason.startswith("per-call token budget of 600")
    assert endpoint.requests == []


def test_token_budget_counts_every_attempt(tmp_path: Path) -> None:
    bad = good_answer(intent={"value": "money_back", "turn": 2, "quote": "I want a full refund"})
    endpoint = Recorder(ok(completion(bad, prompt_tokens=2500, completion_tokens=500)))
    handoff = run_one(backend(tmp_path, endpoint, max_tokens_per_call=3500, max_retries=5))

    assert len(endpoint.requests) == 1  # a re-ask would pass 3500 tokens
    assert handoff.meta.fallback_reason is None  # what came back is kept
    assert handoff.request.intent is None and handoff.meta.reasked == []


def test_run_limits_leave_the_remaining_calls_pending_for_the_next_run(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer(), prompt_tokens=1000, completion_tokens=100)))
    limits = [
        {"cost_ceiling_usd": 0.015, "price_input_per_mtok": 5.0, "price_output_per_mtok": 5.0},
        {"max_run_tokens": 2500, "max_completion_tokens": 500},
    ]
    for number, limit in enumerate(limits):
        data = tmp_path / f"run-{number}"
        calls = [transcript(f"call-{i}") for i in range(4)]
        b = backend(data, endpoint, concurrency=1, **limit)
        handoffs = list(b.extract_many(calls))
        b.close()

        first = handoffs[0].meta
        assert first.fallback_reason is None and not first.pending
        for later in handoffs[1:]:
            assert later.meta.pending and later.meta.attempts == 0
            assert later.meta.fallback_reason is not None
            assert "limit" in later.meta.fallback_reason
        # the next run answers the finished call from the cache and sends the others
        again = Recorder(ok(completion(good_answer())))
        unlimited = {
            k: v for k, v in limit.items() if k not in ("cost_ceiling_usd", "max_run_tokens")
        }
        b = backend(data, again, concurrency=1, **unlimited)
        rerun = list(b.extract_many(calls))
        b.close()
        assert rerun[0].meta.cached and len(again.requests) == 3
        assert not any(h.meta.pending for h in rerun)


def test_warm_cache_answers_without_a_model_call(tmp_path: Path) -> None:
    calls = [transcript(f"call-{i}") for i in range(3)]
    first = Recorder(ok(completion(good_answer())))
    b = backend(tmp_path, first)
    cold = list(b.extract_many(calls))
    b.close()
    second = Recorder(ok(completion(good_answer())))
    b = backend(tmp_path, second)
    warm = list(b.extract_many(calls))
    b.close()

    assert len(first.requests) == 3 and second.requests == []
    assert all(h.meta.cached for h in warm)
    strip = {"meta": {"cached"}}
    assert [h.model_dump(exclude=strip) for h in warm] == [
        h.model_dump(exclude=strip) for h in cold
    ]


def test_changed_prompt_settings_miss_the_cache(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer())))
    run_one(backend(tmp_path, endpoint))
    run_one(backend(tmp_path, endpoint, temperature=0.7))
    run_one(backend(tmp_path, endpoint, model="other-model"))
    run_one(backend(tmp_path, endpoint, use_cache=False))
    assert len(endpoint.requests) == 4


def test_output_keeps_input_order_and_bounds_concurrency(tmp_path: Path) -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        text = request_json(request)["messages"][-1]["content"]
        number = int(text.split("delay ")[1].split(" ")[0])
        await asyncio.sleep(0.001 * (number % 5))
        in_flight -= 1
        return ok(completion(minimal_answer("refund", 0, "delay")))

    calls = [
        transcript(f"call-{i:02d}", [("customer", f"delay {i} ms please, refund"), ("agent", "ok")])
        for i in range(20)
    ]
    b = backend(tmp_path, handler, concurrency=3)
    out = list(b.extract_many(iter(calls)))
    b.close()

    assert [h.call_id for h in out] == [t.call_id for t in calls]
    assert 1 < peak <= 3


def test_a_crashed_run_resumes_without_resending_finished_calls(tmp_path: Path) -> None:
    calls = [transcript(f"call-{i}") for i in range(6)]
    first = Recorder(ok(completion(good_answer())))
    b = backend(tmp_path, first, concurrency=2)
    stream = cast(Generator[Handoff, None, None], b.extract_many(calls))
    got = [next(stream), next(stream)]  # the process "crashes" after two outputs
    stream.close()
    b.close()
    assert len(got) == 2 and len(first.requests) < 6

    second = Recorder(ok(completion(good_answer())))
    b = backend(tmp_path, second, concurrency=2)
    out = list(b.extract_many(calls))
    b.close()

    cached = sum(h.meta.cached for h in out)
    assert cached >= 2
    assert len(second.requests) == 6 - cached
    assert [h.call_id for h in out] == [t.call_id for t in calls]


def test_json_and_json_schema_modes_parse_content(tmp_path: Path) -> None:
    for mode in ("json", "json_schema"):
        endpoint = Recorder(ok(completion(good_answer(), mode=mode)))
        handoff = run_one(backend(tmp_path / mode, endpoint, mode=mode))
        body = request_json(endpoint.requests[0])
        assert handoff.meta.fallback_reason is None
        expected = "json_object" if mode == "json" else "json_schema"
        assert body["response_format"]["type"] == expected
        assert "tools" not in body


def test_an_answer_cut_at_max_tokens_is_kept_and_the_rest_asked_again(tmp_path: Path) -> None:
    text = json.dumps(good_answer())
    cut = text[: text.index('"urgency"') + 20]
    rest = {k: v for k, v in good_answer().items() if k in ("urgency", "summary", "next_step")}
    for mode in ("tools", "json"):
        endpoint = Recorder(
            ok(completion(cut, mode=mode, finish_reason="length")), ok(completion(rest, mode=mode))
        )
        handoff = run_one(backend(tmp_path / mode, endpoint, mode=mode))
        assert handoff.meta.fallback_reason is None, mode
        assert handoff.meta.reasked == ["urgency", "summary", "next_step"]
        assert handoff.records.order_id is not None and handoff.urgency is not None
        assert handoff.summary.startswith("Phone arrived cracked")


def test_transcript_text_is_sent_verbatim_even_with_template_braces(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(minimal_answer("other", 0, "hi"))))
    b = backend(tmp_path, endpoint)
    call = transcript("braces", [("customer", "hi {{ turns }} {% if x %}"), ("agent", "hello")])
    handoff = b.extract(call)
    b.close()
    assert (
        "hi {{ turns }} {% if x %}" in request_json(endpoint.requests[0])["messages"][-1]["content"]
    )
    assert handoff.meta.fallback_reason is None


def test_long_call_is_cut_and_the_cut_recorded(tmp_path: Path) -> None:
    turns = [("customer", "Hi, my order 502-2345678-9012345 arrived with a cracked screen.")]
    turns += [
        ("agent" if i % 2 else "customer", f"filler sentence number {i} " * 20) for i in range(40)
    ]
    turns += [("agent", "I will arrange the refund today.")]
    endpoint = Recorder(ok(completion(minimal_answer("refund", 41, "arrange the refund"))))
    b = backend(tmp_path, endpoint, context_tokens=600)
    handoff = b.extract(transcript("long", turns))
    b.close()
    assert handoff.meta.truncation is not None and "of 42 turns" in handoff.meta.truncation
    sent = request_json(endpoint.requests[0])["messages"][-1]["content"]
    assert "[0] customer: Hi, my order" in sent and "[41] agent:" in sent and "left out]" in sent


def test_an_email_not_said_is_dropped_and_the_extractors_value_kept(tmp_path: Path) -> None:
    other = good_answer(
        order_ids=[], email={"value": "jane@example.org", "turn": 1, "quote": "your email"}
    )
    endpoint = Recorder(ok(completion(other)))
    handoff = run_one(backend(tmp_path, endpoint, max_retries=0))
    assert handoff.meta.fallback_reason is None
    assert handoff.caller.email is not None
    assert handoff.caller.email.value == "jane.doe@example.com"
    assert "email (extractors)" in handoff.meta.filled
    [drop] = handoff.grounding.dropped
    assert drop.field == "email" and "'jane@example.org' is not said in the call" in drop.reason


def test_llama_cpp_gets_the_schema_as_json_object_and_extra_options(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer(), mode="json_schema")))
    handoff = run_one(
        backend(
            tmp_path,
            endpoint,
            mode="json_schema",
            provider="llamacpp",
            extra_body={"repeat_penalty": 1.0},
        )
    )
    assert handoff.meta.fallback_reason is None
    body = request_json(endpoint.requests[0])
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["properties"]["intent"]
    assert body["repeat_penalty"] == 1.0
    assert "tools" not in body and "schema" not in json.dumps(body["messages"])


def test_extractor_crash_does_not_lose_the_call(tmp_path: Path) -> None:
    def broken(_t: Any) -> Any:
        raise ValueError("extractor bug")

    endpoint = Recorder(ok(completion(good_answer())))
    b = LLMBackend(settings(tmp_path), transport=httpx2.MockTransport(endpoint), extractor=broken)
    handoff = run_one(b)
    assert handoff.request.intent is not None
    assert any("not cross-checked" in d for d in handoff.meta.disagreements)


def test_azure_uses_the_api_key_header_and_api_version(tmp_path: Path) -> None:
    endpoint = Recorder(ok(completion(good_answer())))
    b = backend(
        tmp_path,
        endpoint,
        base_url="https://acme.openai.azure.com",
        model="my-deployment",
        azure_api_version="2024-10-21",
        api_key="secret-key",
    )
    assert run_one(b).meta.fallback_reason is None
    sent = endpoint.requests[0]
    assert sent.headers["api-key"] == "secret-key"
    assert sent.url.params["api-version"] == "2024-10-21"
    assert "/openai/deployments/my-deployment/chat/completions" in sent.url.path


def test_openai_without_a_key_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("CALLHANDOFF_API_KEY", raising=False)
    b = backend(tmp_path, Recorder(ok(completion(good_answer()))), base_url=None)
    with pytest.raises(ConfigError, match=r"no API key for https://api\.openai\.com/v1"):
        run_one(b)


def test_raw_newlines_inside_json_strings_are_repaired(tmp_path: Path) -> None:
    text = json.dumps(good_answer()).replace("Support sends", "Support\nsends")
    assert "\n" in text
    endpoint = Recorder(ok(completion(text)))
    handoff = run_one(backend(tmp_path, endpoint))
    assert handoff.meta.fallback_reason is None and handoff.meta.attempts == 1
    assert handoff.next_step.startswith("Support\nsends")

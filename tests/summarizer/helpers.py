"""Small builders shared by the summarizer tests: transcripts, settings, chat payloads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from callhandoff.schema.handoff import Deadline, Evidence, Extracted
from callhandoff.schema.transcript import Transcript, Turn
from callhandoff.settings import Settings

CALL_TURNS = [
    ("customer", "Hi, my order 502-2345678-9012345 arrived with a cracked screen."),
    ("agent", "I am sorry to hear that. Can I have your email?"),
    ("customer", "It is jane.doe@example.com and I want a full refund by Friday."),
    ("agent", "I will arrange the refund today and email you a return label."),
]


def transcript(call_id: str = "call-1", turns: list[tuple[str, str]] | None = None) -> Transcript:
    """A short call (default: a damaged phone, an order id, an email, a refund)."""
    return Transcript(
        call_id=call_id,
        destination="cloudcart",
        turns=[Turn(speaker=s, text=t) for s, t in (turns or CALL_TURNS)],
    )


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: local endpoint, no real waits, data in tmp_path."""
    values: dict[str, Any] = {
        "base_url": "http://127.0.0.1:9/v1",
        "model": "test-model",
        "mode": "tools",
        "data_dir": tmp_path / "data",
        "max_retries": 2,
        "transport_retries": 2,
        "retry_backoff_s": 0.001,
        "concurrency": 4,
        "use_cache": True,
    }
    values.update(overrides)
    return Settings(**values)


def cited(value: Any, turn: int, quote: str) -> dict[str, Any]:
    return {"value": value, "turn": turn, "quote": quote}


def good_answer(**changes: Any) -> dict[str, Any]:
    """A valid, grounded answer for the default call."""
    answer: dict[str, Any] = {
        "intent": cited("refund", 2, "I want a full refund"),
        "order_ids": [cited("502-2345678-9012345", 0, "my order 502-2345678-9012345")],
        "email": cited("jane.doe@example.com", 2, "jane.doe@example.com"),
        "return_reason": cited("damaged", 0, "arrived with a cracked screen"),
        "refund_expectation": cited("full_refund", 2, "I want a full refund"),
        "urgency": cited("high", 2, "full refund by Friday"),
        "summary": "Phone arrived cracked; customer wants a full refund by Friday.",
        "next_step": "Support sends a return label and refunds the order.",
    }
    answer.update(changes)
    return answer


def minimal_answer(intent: str, turn: int, quote: str) -> dict[str, Any]:
    """The smallest valid answer: intent and urgency cite the same words."""
    return {
        "intent": cited(intent, turn, quote),
        "urgency": cited("normal", turn, quote),
        "summary": "Caller asked something.",
        "next_step": "Support replies.",
    }


def completion(
    arguments: str | dict[str, Any],
    *,
    mode: str = "tools",
    prompt_tokens: int = 1000,
    completion_tokens: int = 100,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    """A chat.completion payload carrying `arguments` as a tool call or as content."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    if mode == "tools":
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "CallExtraction", "arguments": text},
                }
            ],
        }
    else:
        message = {"role": "assistant", "content": text}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if mode == "tools" else "stop"),
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def ok(payload: dict[str, Any], **headers: str) -> httpx2.Response:
    return httpx2.Response(200, json=payload, headers=headers)


def ex(
    value: str, turn: int, quote: str, confidence: float = 0.95, source: str = "rule"
) -> Extracted[str]:
    return Extracted[str](
        value=value, confidence=confidence, evidence=Evidence(turn=turn, quote=quote), source=source
    )


@dataclass
class Fields:
    """A hand-built stand-in for the extractors' DeterministicFields."""

    order_ids: list[Extracted[str]] = field(default_factory=list)
    skus: list[Extracted[str]] = field(default_factory=list)
    booking_ids: list[Extracted[str]] = field(default_factory=list)
    names: list[Extracted[str]] = field(default_factory=list)
    phones: list[Extracted[str]] = field(default_factory=list)
    emails: list[Extracted[str]] = field(default_factory=list)
    deadline: Extracted[Deadline] | None = None
    injection: Extracted[str] | None = None


def default_fields(_t: Transcript | None = None) -> Fields:
    """What exact extractors find in the default call."""
    return Fields(
        order_ids=[ex("502-2345678-9012345", 0, "502-2345678-9012345")],
        emails=[ex("jane.doe@example.com", 2, "jane.doe@example.com")],
    )


def request_json(request: httpx2.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body

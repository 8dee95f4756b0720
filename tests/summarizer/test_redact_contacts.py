"""CALLHANDOFF_REDACT_CONTACTS: the model is sent placeholders, the handoff has the values.

Served by the local fake OpenAI server, which copies contact details (or the
placeholders standing for them) into its answer the way a model does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callhandoff.schema.handoff import Handoff
from callhandoff.summarizer.fake_server import running_fake_server
from callhandoff.summarizer.llm_backend import LLMBackend

from .helpers import settings, transcript

pytestmark = pytest.mark.allow_model_calls

TURNS = [
    ("customer", "Hi, my name is Maria Lopez and my order A-100101 arrived broken."),
    ("agent", "Sorry about that, Maria. Which email and phone should we use?"),
    ("customer", "maria.lopez@example.com, and my mobile is +1 415 555 0199. I want a refund."),
    (
        "agent",
        "So that's maria dot lopez at example dot com and four one five, five five five, "
        "zero one nine nine. Thanks, Maria Lopez.",
    ),
]
#: How the caller's details are said on this call: none may be in a model request.
SAID = (
    "maria",
    "lopez",
    "example.com",
    "example dot com",
    "415 555 0199",
    "4155550199",
    "four one five",
    "zero one nine nine",
)


def _run(tmp_path: Path, **overrides: Any) -> tuple[Handoff, list[str]]:
    call = transcript("contacts-1", TURNS)
    with running_fake_server() as server:
        backend = LLMBackend(settings(tmp_path, base_url=server.base_url, **overrides))
        handoff = backend.extract(call)
        backend.close()
        bodies = [body.decode("utf-8") for body in server.request_bodies]
    return handoff, bodies


def _sent_text(bodies: list[str]) -> str:
    return "\n".join(
        str(message.get("content") or "")
        for body in bodies
        for message in json.loads(body)["messages"]
    ).lower()


def test_the_model_sees_placeholders_and_the_handoff_has_the_values(tmp_path: Path) -> None:
    handoff, bodies = _run(tmp_path / "hidden", redact_contacts=True)
    sent = _sent_text(bodies)
    assert bodies and "[name 1]" in sent and "[email 1]" in sent and "[phone 1]" in sent
    for said in SAID:
        assert said not in sent, said
    caller = handoff.caller
    assert caller.name is not None and caller.name.value == "Maria Lopez"
    assert caller.name.evidence.quote == "Maria Lopez"
    assert caller.email is not None and caller.email.value == "maria.lopez@example.com"
    assert caller.phone is not None and caller.phone.value == "+14155550199"
    assert handoff.summary.startswith("Maria Lopez raised a refund request")
    assert handoff.meta.fallback_reason is None
    assert handoff.grounding.dropped == []


def test_the_handoff_is_the_one_made_from_the_raw_call(tmp_path: Path) -> None:
    hidden, _ = _run(tmp_path / "hidden", redact_contacts=True)
    raw, bodies = _run(tmp_path / "raw")
    assert "maria.lopez@example.com" in _sent_text(bodies)  # without the setting: as said
    # what differs: the size of the request and answer, and when they were made
    skip = {"meta": {"latency_ms", "created_at", "prompt_tokens", "completion_tokens", "cost_usd"}}
    assert hidden.model_dump(exclude=skip) == raw.model_dump(exclude=skip)


def test_a_cached_answer_is_not_reused_across_the_setting(tmp_path: Path) -> None:
    _, first = _run(tmp_path, redact_contacts=True)
    _, second = _run(tmp_path)
    assert len(first) == 1 and len(second) == 1  # the raw call asked the model again

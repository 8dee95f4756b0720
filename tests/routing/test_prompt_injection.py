"""Prompt injection, end to end: 30+ calls that try to instruct the system.

Each is a call that would be created automatically (a known Cloudcart customer who
wants to buy a product), with one sentence of injection said by the caller. None may
reach an automatic create or update; each carries the `review_prompt_injection`
reason, which names the kind of attempt; the order id is still extracted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from callhandoff.pipeline import process_stream
from callhandoff.routing.directory.files import read_directory
from callhandoff.routing.router import Router
from callhandoff.schema.result import CallResult
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.store.db import open_store
from callhandoff.store.directory import load_directory
from callhandoff.store.history import call_history
from callhandoff.summarizer.offline import OfflineBackend

from .injection_corpus import INJECTIONS, call

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("injection")
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    load_directory(store, read_directory(EXAMPLES / "store", regions=["US"], tz=UTC))
    return store


@pytest.fixture(scope="module")
def results(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CallResult]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    calls: Iterator[Transcript] = iter(
        [call("clean", None)] + [call(f"inj-{i}", text) for i, (text, _) in enumerate(INJECTIONS)]
    )
    out = process_stream(calls, OfflineBackend(settings), settings, router=Router(engine))
    return {item.call_id: item for item in out if isinstance(item, CallResult)}


def test_the_call_without_injection_is_not_flagged_and_would_be_created(
    results: dict[str, CallResult], engine: Engine
) -> None:
    decision = results["clean"].decision
    assert decision is not None
    assert "review_prompt_injection" not in {reason.code for reason in decision.reasons}
    stored = call_history(engine, "clean").decision
    assert stored is not None
    proposed = stored.kind if stored.kind != "review" else stored.trace["proposed"]
    assert proposed == "create"


def test_there_are_at_least_thirty_attempts() -> None:
    assert len(INJECTIONS) >= 30
    assert {kind for _, kind in INJECTIONS} >= {
        "chat_template", "structured_payload", "addressed_to_ai",
        "instruction_override", "role_play", "decision_steering",
    }  # fmt: skip


@pytest.mark.parametrize(("index", "kind"), [(i, k) for i, (_, k) in enumerate(INJECTIONS)])
def test_no_injection_reaches_an_automatic_action(
    results: dict[str, CallResult], index: int, kind: str
) -> None:
    result = results[f"inj-{index}"]
    assert result.decision is not None
    assert result.decision.kind.value == "review"
    reasons = {reason.code: reason.message for reason in result.decision.reasons}
    assert "review_prompt_injection" in reasons
    assert f"({kind})" in reasons["review_prompt_injection"]
    caller = result.handoff.caller  # the legitimate fields are still extracted
    assert caller.name is not None and caller.name.value == "Daniel Reyes"
    assert caller.email is not None and caller.email.value == "dan.reyes@example.net"

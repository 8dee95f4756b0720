"""The runner sends gold transcripts through the real pipeline with any backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from callhandoff.evals.dataset import Dataset
from callhandoff.evals.metrics import score_runs
from callhandoff.evals.routing import isolated_router
from callhandoff.evals.runner import run_dataset
from callhandoff.exceptions import InputError
from callhandoff.routing.router import Router
from callhandoff.schema import DecisionKind, Handoff, Intent, Transcript
from callhandoff.settings import Settings

from .fakes import FakeBackend, gold_item, handoff, refund_everything


def dataset(*ids: str) -> Dataset:
    return Dataset(path="mem.jsonl", version="v" * 64, items=tuple(gold_item(i) for i in ids))


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, backend="offline")


def test_every_item_is_run_once_with_its_usage(tmp_path: Path) -> None:
    backends: list[FakeBackend] = []

    def make(_: Settings) -> FakeBackend:
        backends.append(FakeBackend(refund_everything))
        return backends[-1]

    output = run_dataset(dataset("a", "b"), settings(tmp_path), make_backend=make)
    assert [run.item_id for run in output.items] == ["a", "b"]
    assert backends[0].seen == ["call-a", "call-b"]
    assert backends[0].closed
    first = output.items[0]
    assert first.result is not None
    assert first.result.handoff.grounding.checked > 0  # went through the grounding check
    assert (first.latency_ms, first.prompt_tokens, first.completion_tokens) == (12.5, 100, 20)
    assert output.backend == "fake"
    assert output.repeat == 1


def test_repeats_build_a_fresh_backend_and_bypass_the_cache_after_the_first(
    tmp_path: Path,
) -> None:
    seen_cache: list[bool] = []

    def make(current: Settings) -> FakeBackend:
        seen_cache.append(current.use_cache)
        return FakeBackend(refund_everything)

    output = run_dataset(dataset("a", "b"), settings(tmp_path), make_backend=make, repeat=3)
    assert seen_cache == [True, False, False]
    assert [(run.item_id, run.repeat) for run in output.items] == [
        ("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2),
    ]  # fmt: skip
    metrics = score_runs(output.items)[1]
    assert metrics.agreement is not None and metrics.agreement.all_fields == 1.0


def test_an_item_the_backend_skipped_is_recorded_as_an_error(tmp_path: Path) -> None:
    class Short(FakeBackend):
        def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
            for call in transcripts:
                yield refund_everything(call)
                return

    output = run_dataset(
        dataset("a", "b"), settings(tmp_path), make_backend=lambda _: Short(refund_everything)
    )
    assert output.items[1].result is None
    assert output.items[1].error == "the backend returned no handoff for this item"
    assert score_runs(output.items)[1].usage.fallback_rate == 0.5


def test_an_invented_value_is_dropped_by_grounding_and_counted_as_a_violation(
    tmp_path: Path,
) -> None:
    def invent(call: Transcript) -> Handoff:
        return handoff(call.call_id, intent=Intent.REFUND, order_id="ZZ-999", order_quote="ZZ-999")

    output = run_dataset(
        dataset("a"), settings(tmp_path), make_backend=lambda _: FakeBackend(invent)
    )
    run = output.items[0]
    assert run.result is not None
    assert run.result.handoff.records.order_id is None
    metrics = score_runs(output.items)[1]
    assert metrics.grounding.violations == 1
    assert metrics.grounding.examples[0].field == "records.order_id"


DEMO_DIRECTORY = Path(__file__).resolve().parents[2] / "examples" / "store"


def test_with_a_router_every_call_is_decided_in_a_throwaway_store(tmp_path: Path) -> None:
    current = settings(tmp_path)
    opened: list[int] = []

    def routers() -> AbstractContextManager[Router | None]:
        opened.append(1)
        return isolated_router(current, DEMO_DIRECTORY)

    output = run_dataset(
        dataset("a", "b"),
        current,
        make_backend=lambda _: FakeBackend(refund_everything),
        make_router=routers,
        repeat=2,
    )
    assert len(opened) == 2  # a fresh store for each repeat
    decisions = [run.result.decision for run in output.items if run.result is not None]
    assert len(decisions) == 4 and all(d is not None for d in decisions)
    # An unknown caller asking for money back is never automatic.
    assert {d.kind for d in decisions if d is not None} == {DecisionKind.REVIEW}
    assert not (tmp_path / "callhandoff.db").exists()  # the project's store is untouched
    # the run records the policy that decided (the hash every decision carries)
    assert output.policy_path == "embedded default"
    assert output.policy_hash == decisions[0].policy_version  # type: ignore[union-attr]
    assert output.classifier_version is None  # the fake backend loads no classifier


def test_an_offline_run_records_the_classifier_it_loaded(tmp_path: Path) -> None:
    from callhandoff.evals.provenance import classifier_version

    output = run_dataset(dataset("a"), settings(tmp_path).model_copy(update={"backend": "offline"}))
    assert output.backend == "offline"
    assert output.classifier_version == classifier_version(None)
    assert output.classifier_version is not None and len(output.classifier_version) == 16
    assert output.policy_hash is None  # not routed


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    router = isolated_router(settings(tmp_path), tmp_path / "nowhere")
    with pytest.raises(InputError, match="pass --directory or --no-route"):
        router.__enter__()

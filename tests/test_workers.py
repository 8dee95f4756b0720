"""When `callhandoff process --workers N` extracts in worker processes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from callhandoff.exceptions import ConfigError
from callhandoff.pipeline import to_result
from callhandoff.schema import Speaker, Transcript, Turn
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend
from callhandoff.workers import (
    OVERLAP_MIN_CALLS,
    PRELOAD,
    ExtractionPool,
    extraction_processes,
)


@pytest.mark.parametrize("routed", [True, False])
def test_two_or_more_workers_always_run_in_that_many_processes(routed: bool) -> None:
    for workers in (2, 3):
        chosen = extraction_processes(
            workers, offline=True, routed=routed, expected_calls=5, cores=1
        )
        assert chosen == workers


def test_one_worker_extracts_beside_the_main_process_on_a_large_routed_run() -> None:
    large = OVERLAP_MIN_CALLS
    chosen = extraction_processes(1, offline=True, routed=True, expected_calls=large, cores=2)
    assert chosen == 1


@pytest.mark.parametrize(
    ("offline", "routed", "expected_calls", "cores"),
    [
        (True, True, OVERLAP_MIN_CALLS - 1, 2),  # a small run: starting a process costs more
        (True, False, 100_000, 8),  # unrouted: the main process has too little to overlap
        (True, True, None, 2),  # stdin: size unknown
        (True, True, 100_000, 1),  # one core: nothing to run it beside
        (False, True, 100_000, 8),  # a model backend: one budget, one cache, in one process
    ],
)
def test_one_worker_otherwise_extracts_in_the_main_process(
    offline: bool, routed: bool, expected_calls: int | None, cores: int
) -> None:
    chosen = extraction_processes(
        1, offline=offline, routed=routed, expected_calls=expected_calls, cores=cores
    )
    assert chosen == 0


def test_a_classifier_folder_without_a_classifier_is_refused_before_any_process_starts(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, classifier_path=tmp_path / "missing")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"no trained classifier in .*missing"):
        ExtractionPool(settings, 1)


def test_a_worker_that_cannot_build_its_backend_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text("{}", encoding="utf-8")  # no vocabulary, no heads
    (broken / "weights.npz").write_bytes(b"not a weights file")
    settings = Settings(_env_file=None, classifier_path=broken)  # type: ignore[call-arg]
    transcript = Transcript(
        call_id="w-1",
        destination="cloudcart",
        turns=[Turn(speaker=Speaker.CUSTOMER, text="Where is my order?")],
    )
    with ExtractionPool(settings, 1) as pool:
        with pytest.raises(ConfigError, match=r"classifier in .*broken cannot be read"):
            pool.wait_ready()
        with pytest.raises(ConfigError, match="cannot be read"):
            list(pool.extract([transcript]))


def test_a_started_pool_extracts_what_the_main_process_does() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    transcripts = [
        Transcript(
            call_id=f"w-{i}",
            destination="cloudcart",
            turns=[Turn(speaker=Speaker.CUSTOMER, text=f"Where is order A-10010{i}? I'm upset.")],
        )
        for i in range(40)
    ]
    with ExtractionPool(settings, 2) as pool:
        pooled = list(pool.extract(transcripts))
        again = list(pool.extract(transcripts[:3]))  # the pool stays open for another stream
    backend = OfflineBackend(settings)
    alone = [
        to_result(h, t, settings)
        for h, t in zip(backend.extract_many(transcripts), transcripts, strict=True)
    ]
    strip = {"handoff": {"meta"}}  # timings differ
    assert [r.model_dump(exclude=strip) for r in pooled] == [
        r.model_dump(exclude=strip) for r in alone
    ]
    assert [r.call_id for r in again] == ["w-0", "w-1", "w-2"]


def test_the_fork_server_preloads_modules_that_exist() -> None:
    # multiprocessing skips a preload module it cannot import without a word
    for name in PRELOAD:
        assert importlib.util.find_spec(name) is not None, name

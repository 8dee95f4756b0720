"""When `callhandoff process --workers N` extracts in worker processes."""

from __future__ import annotations

import pytest

from callhandoff.workers import OVERLAP_MIN_CALLS, extraction_processes


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

"""When `callhandoff process --workers N` extracts in worker processes."""

from __future__ import annotations

import pytest

from callhandoff.workers import OVERLAP_MIN_CALLS, extraction_processes


@pytest.mark.parametrize("routed", [True, False])
def test_two_or_more_workers_always_run_in_that_many_processes(routed: bool) -> None:
    for workers in (2, 3):
        assert extraction_processes(workers, routed=routed, expected_calls=5, cores=1) == workers


def test_one_worker_extracts_beside_the_main_process_on_a_large_routed_run() -> None:
    large = OVERLAP_MIN_CALLS
    assert extraction_processes(1, routed=True, expected_calls=large, cores=2) == 1


@pytest.mark.parametrize(
    ("routed", "expected_calls", "cores"),
    [
        (True, OVERLAP_MIN_CALLS - 1, 2),  # a small run: starting a process costs more
        (False, 100_000, 8),  # unrouted: the main process has too little to overlap
        (True, None, 2),  # stdin: size unknown
        (True, 100_000, 1),  # one core: nothing to run it beside
    ],
)
def test_one_worker_otherwise_extracts_in_the_main_process(
    routed: bool, expected_calls: int | None, cores: int
) -> None:
    assert extraction_processes(1, routed=routed, expected_calls=expected_calls, cores=cores) == 0

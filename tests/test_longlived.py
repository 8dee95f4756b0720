"""The garbage collector during a run: off while a command loads, rare while it routes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from callhandoff import longlived


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(seen)
    yield started
    gc.callbacks.remove(seen)


def test_loading_keeps_the_collector_off_and_gives_it_back_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), longlived.loading():
        assert not gc.isenabled()
        raise RuntimeError("a backend that cannot be built")
    assert gc.isenabled()


def test_loading_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with longlived.loading():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_batch_of_live_objects_sets_off_no_collection_in_a_settled_run(
    collections: list[int],
) -> None:
    before = gc.get_threshold()
    with longlived.settled():
        assert gc.get_freeze_count() > 0  # what was loaded is left out of collections
        collections.clear()
        batch = [{"call": i, "facts": [i]} for i in range(25_000)]  # 50,000 containers
        assert collections == []
        del batch
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0

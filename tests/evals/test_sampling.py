"""`--sample N --seed S`: a stratified random sample by origin and intent, not the first N lines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from callhandoff.evals.dataset import load_dataset
from callhandoff.evals.gold import GoldItem
from callhandoff.evals.sampling import allocate, stratified_sample, stratum
from callhandoff.exceptions import InputError
from callhandoff.schema import Intent

from .fakes import gold_item


def dataset() -> list[GoldItem]:
    """60 hand-written refunds first (as in the dev file), then 30 CuCoM cancellations, 10 other."""
    items = [gold_item(f"hw-{n:03d}", intent=Intent.REFUND) for n in range(60)]
    items += [gold_item(f"cu-{n:03d}", intent=Intent.CANCEL_ORDER).model_copy(
        update={"origin": "cucom"}) for n in range(30)]  # fmt: skip
    items += [gold_item(f"cx-{n:03d}", intent=Intent.OTHER).model_copy(update={"origin": "cucom"})
              for n in range(10)]  # fmt: skip
    return items


def test_each_group_keeps_its_share_of_the_dataset() -> None:
    sample = stratified_sample(dataset(), 20, seed=7)
    assert len(sample) == 20
    assert Counter(stratum(item) for item in sample) == {
        ("handwritten", "refund"): 12,
        ("cucom", "cancel_order"): 6,
        ("cucom", "other"): 2,
    }


def test_the_same_seed_draws_the_same_items_in_dataset_order() -> None:
    first = [item.id for item in stratified_sample(dataset(), 20, seed=7)]
    assert first == [item.id for item in stratified_sample(dataset(), 20, seed=7)]
    assert first != [item.id for item in stratified_sample(dataset(), 20, seed=8)]
    order = [item.id for item in dataset()]
    assert first == sorted(first, key=order.index)
    assert first[:12] != [f"hw-{n:03d}" for n in range(12)]  # not simply the first lines


def test_largest_remainders_decide_the_rounding() -> None:
    sizes = {("a", "x"): 5, ("a", "y"): 3, ("b", "x"): 2}
    assert allocate(sizes, 5) == {("a", "x"): 3, ("a", "y"): 1, ("b", "x"): 1}
    assert allocate(sizes, 50) == sizes


def test_a_sample_from_a_file_records_its_size_and_seed(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(item.model_dump_json() + "\n" for item in dataset()), "utf-8")
    data = load_dataset(path, sample=10, seed=3)
    assert (len(data.items), data.sample_size, data.sample_seed) == (10, 10, 3)
    with pytest.raises(InputError, match="either a limit"):
        load_dataset(path, sample=10, limit=5)

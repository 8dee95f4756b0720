"""Loading a gold dataset: content-hash version, filters, and file:line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from callhandoff.evals.dataset import load_dataset
from callhandoff.exceptions import InputError, NotFoundError

from .fakes import gold_item


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def item_line(item_id: str, split: str = "dev") -> str:
    item = gold_item(item_id).model_copy(update={"split": split})
    return item.model_dump_json(exclude_none=True)


def test_loads_items_and_versions_by_the_files_sha256(tmp_path: Path) -> None:
    path = write(tmp_path / "dev.jsonl", [item_line("a"), "", item_line("b")])
    dataset = load_dataset(path)
    assert [item.id for item in dataset.items] == ["a", "b"]
    assert dataset.version == hashlib.sha256(path.read_bytes()).hexdigest()
    assert dataset.short_version == dataset.version[:12]


def test_changing_a_label_changes_the_version(tmp_path: Path) -> None:
    first = load_dataset(write(tmp_path / "a.jsonl", [item_line("a")])).version
    changed = item_line("a").replace('"refund"', '"cancel_order"')
    assert load_dataset(write(tmp_path / "b.jsonl", [changed])).version != first


def test_filters_by_split_and_limit_keep_the_whole_files_version(tmp_path: Path) -> None:
    path = write(tmp_path / "all.jsonl", [item_line("a"), item_line("b", "train"), item_line("c")])
    whole = load_dataset(path)
    dev = load_dataset(path, split="dev", limit=1)
    assert [item.id for item in dev.items] == ["a"]
    assert dev.version == whole.version
    assert dev.split == "dev"


def test_bad_json_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "dev.jsonl", [item_line("a"), '{"id": "b",'])
    with pytest.raises(InputError, match=r"dev\.jsonl:2: not valid JSON"):
        load_dataset(path)


def test_an_invalid_label_names_the_file_line_and_field(tmp_path: Path) -> None:
    bad = item_line("b").replace('"refund"', '"refundd"')
    path = write(tmp_path / "dev.jsonl", [item_line("a"), "", bad])
    with pytest.raises(InputError, match=r"dev\.jsonl:3: not a gold item: gold\.intent"):
        load_dataset(path)


def test_a_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "dev.jsonl", [item_line("a"), item_line("a")])
    with pytest.raises(
        InputError, match=r"dev\.jsonl:2: duplicate item id 'a' \(first on line 1\)"
    ):
        load_dataset(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="dataset file not found"):
        load_dataset(tmp_path / "nope.jsonl")


def test_a_filter_that_keeps_nothing_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "dev.jsonl", [item_line("a")])
    with pytest.raises(InputError, match="no items with split='train'"):
        load_dataset(path, split="train")

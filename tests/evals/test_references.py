"""The reference summaries and the hand-labelled summaries shipped in evals/references/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callhandoff.evals.dataset import load_dataset
from callhandoff.evals.references import LABELS_PATH, REFERENCES_PATH, load_labels, load_references
from callhandoff.exceptions import InputError

ROOT = Path(__file__).resolve().parents[2]


def test_every_hand_written_dev_item_has_a_reference_of_at_most_60_words() -> None:
    references = load_references(ROOT / REFERENCES_PATH)
    dev = load_dataset(ROOT / "evals/datasets/dev.jsonl", origin="handwritten")
    assert {item.id for item in dev.items} <= set(references)
    assert all(len(r.summary.split()) <= 60 and r.next_step for r in references.values())


def test_at_least_thirty_summaries_are_hand_labelled_with_both_labels() -> None:
    labels = load_labels(ROOT / LABELS_PATH)
    assert len(labels) >= 30
    assert {label.label for label in labels} == {"good", "bad"}
    assert all(label.why for label in labels)


def test_a_bad_line_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "summaries.jsonl"
    good = {"id": "hw-0001", "summary": "Short.", "next_step": "Act."}
    long = {"id": "hw-0002", "summary": " ".join(["word"] * 61), "next_step": "Act."}
    path.write_text(json.dumps(good) + "\n" + json.dumps(long) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"summaries.jsonl:2: summary: .*61 words"):
        load_references(path)


def test_no_references_file_means_no_references(tmp_path: Path) -> None:
    assert load_references(tmp_path / "missing.jsonl") == {}

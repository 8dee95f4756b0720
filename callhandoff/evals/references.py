"""Hand-written reference summaries and hand labels of system summaries, kept beside the datasets.

- `evals/references/summaries.jsonl`: one `Reference` per gold item id: what a
  teammate needs from the call, at most SUMMARY_MAX_WORDS words, and the next
  step. Shown next to the system's summary in the report; given to the summary
  judge as what a good summary covers.
- `evals/references/summary_labels.jsonl`: `SummaryLabel`s, system summaries a
  person marked good or bad, to measure how often the judge agrees.

Both are read with the same strictness as a dataset: a bad line is an error
naming the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from callhandoff.evals.defaults import SUMMARY_LABELS_PATH
from callhandoff.exceptions import InputError
from callhandoff.schema.handoff import SUMMARY_MAX_WORDS

REFERENCES_PATH = Path("evals/references/summaries.jsonl")
LABELS_PATH = SUMMARY_LABELS_PATH

Label = Literal["good", "bad"]


class Reference(BaseModel):
    """The reference summary and next step of one gold item."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The gold item id, e.g. hw-0001.")
    summary: str = Field(min_length=1)
    next_step: str = Field(min_length=1)

    @field_validator("summary")
    @classmethod
    def _short(cls, value: str) -> str:
        words = len(value.split())
        if words > SUMMARY_MAX_WORDS:
            raise ValueError(f"summary has {words} words; at most {SUMMARY_MAX_WORDS}")
        return value


class SummaryLabel(BaseModel):
    """A system summary of one gold item, labelled good or bad by a person."""

    model_config = ConfigDict(extra="forbid")

    id: str
    summary: str = Field(min_length=1)
    next_step: str = ""
    label: Label
    why: str = Field(min_length=1, description="What made it good or bad, in a few words.")


Model = TypeVar("Model", bound=BaseModel)


def _read(path: Path, model: type[Model]) -> list[Model]:
    if not path.is_file():
        raise InputError("file not found", path=path)
    out: list[Model] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            out.append(model.model_validate(json.loads(raw)))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg}", path=path, line=number) from exc
        except ValidationError as exc:
            detail = exc.errors()[0]
            where = ".".join(str(part) for part in detail["loc"]) or "line"
            raise InputError(f"{where}: {detail['msg']}", path=path, line=number) from exc
    return out


def load_references(path: Path = REFERENCES_PATH) -> dict[str, Reference]:
    """Reference summaries by item id; an empty mapping when the file does not exist."""
    if not path.is_file():
        return {}
    references: dict[str, Reference] = {}
    for reference in _read(path, Reference):
        if reference.id in references:
            raise InputError(f"duplicate reference for {reference.id!r}", path=path)
        references[reference.id] = reference
    return references


def load_labels(path: Path = LABELS_PATH) -> list[SummaryLabel]:
    """The hand-labelled summaries, in file order."""
    return _read(path, SummaryLabel)

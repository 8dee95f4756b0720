"""Load a gold dataset: JSONL of `GoldItem`, versioned by a hash of its content.

The version is the SHA-256 of the file's bytes: the same number
`scripts/build_datasets.py` prints and `sha256sum` gives, so any change to a
transcript or a label gives a new version. A run records it, so two runs are only
compared like for like.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from callhandoff.evals.gold import GoldItem
from callhandoff.evals.sampling import stratified_sample
from callhandoff.exceptions import InputError, NotFoundError


@dataclass(frozen=True)
class Dataset:
    """The items of one dataset file (possibly filtered) and the file's content version."""

    path: str
    version: str
    items: tuple[GoldItem, ...]
    split: str | None = None
    origin: str | None = None
    sample_size: int | None = None
    sample_seed: int | None = None

    @property
    def short_version(self) -> str:
        """The first 12 hex digits of the version, for tables and messages."""
        return self.version[:12]


def _describe(error: ValidationError) -> str:
    problems = []
    for detail in error.errors()[:3]:
        where = ".".join(str(part) for part in detail["loc"]) or "item"
        problems.append(f"{where}: {detail['msg']}")
    more = len(error.errors()) - 3
    if more > 0:
        problems.append(f"... and {more} more")
    return "; ".join(problems)


def parse_lines(lines: Iterable[str], path: str) -> list[GoldItem]:
    """GoldItems from JSONL lines; the first bad line raises InputError(path, line)."""
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON: {exc.msg} (column {exc.colno})", path=path, line=number
            ) from exc
        if not isinstance(data, dict):
            raise InputError(
                f"expected a JSON object, got {type(data).__name__}", path=path, line=number
            )
        try:
            item = GoldItem.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"not a gold item: {_describe(exc)}", path=path, line=number) from exc
        if item.id in seen:
            raise InputError(
                f"duplicate item id {item.id!r} (first on line {seen[item.id]})",
                path=path,
                line=number,
            )
        seen[item.id] = number
        items.append(item)
    return items


def dataset_version(content: bytes) -> str:
    """SHA-256 (hex) of the dataset file's bytes."""
    return hashlib.sha256(content).hexdigest()


def load_dataset(
    path: Path | str,
    *,
    split: str | None = None,
    origin: str | None = None,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Read a dataset file, then keep the items of `split` / `origin` (first `limit`).

    With `sample`, a stratified random sample of that many items by origin and
    intent (`seed`) instead of the first `limit`. The version is that of the
    whole file, so filtered runs of one file share it.
    """
    if limit is not None and sample is not None:
        raise InputError("give either a limit (the first N items) or a sample, not both")
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(
            f"dataset file not found: {file} (build it with scripts/build_datasets.py "
            "or pass --dataset)"
        )
    content = file.read_bytes()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", path=file) from exc
    items = parse_lines(text.splitlines(), str(file))
    if not items:
        raise InputError("the dataset has no items", path=file)
    version = dataset_version(content)
    kept = [
        item
        for item in items
        if (split is None or item.split == split) and (origin is None or item.origin == origin)
    ]
    if limit is not None:
        kept = kept[:limit]
    if not kept:
        raise InputError(f"no items with split={split!r} origin={origin!r}", path=file)
    if sample is not None:
        kept = stratified_sample(kept, sample, seed)
    return Dataset(
        path=str(file),
        version=version,
        items=tuple(kept),
        split=split,
        origin=origin,
        sample_size=sample,
        sample_seed=seed if sample is not None else None,
    )

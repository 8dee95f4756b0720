"""What a run was made with, and how two runs differ in it.

Every run records its backend, model, prompt (id and hash), routing policy (path
and content hash, the `policy_version` its decisions carry), offline classifier
version (hash of the weights it loaded), dataset (path and content version) and
the subset it scored. `eval list`, `report` and `compare` show these, and
`config_diff` lines two runs up so a changed setting is never a surprise.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from callhandoff.extractors.classifier.files import CLASSIFIER_FILES, classifier_folder

DEFAULT_POLICY = "embedded default"


def classifier_version(directory: Path | None) -> str | None:
    """First 16 hex digits of the SHA-256 over the classifier's files, None if it has none.

    `directory` is `settings.classifier_path`; None means the classifier shipped
    in the package.
    """
    folder = classifier_folder(directory)
    digest = hashlib.sha256()
    for name in CLASSIFIER_FILES:
        file = folder / name
        if not file.is_file():
            return None
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def policy_label(path: Path | None) -> str:
    """How a policy path is shown and stored: the path given, or the embedded default."""
    return str(path) if path is not None else DEFAULT_POLICY


class RunSource(Protocol):
    """The stored run fields a configuration is read from (a `RunRecord`)."""

    backend: str
    model: str | None
    prompt_id: str | None
    prompt_hash: str | None
    policy_path: str | None
    policy_hash: str | None
    classifier_version: str | None
    dataset_path: str
    dataset_version: str
    dataset_items: int
    split: str | None
    origin: str | None
    sample_size: int | None
    sample_seed: int | None


class ConfigRow(BaseModel):
    """One setting of two runs side by side."""

    setting: str
    a: str
    b: str

    @property
    def differs(self) -> bool:
        """True when the two runs used different values."""
        return self.a != self.b


def _short(value: str | None, digits: int = 12) -> str:
    return value[:digits] if value else "—"


def subset_text(run: RunSource) -> str:
    """`all 157 items`, `split=dev, origin=cucom: 80 items`, or the stratified sample."""
    filters = [f"{key}={value}" for key, value in (("split", run.split), ("origin", run.origin))
               if value]  # fmt: skip
    head = ", ".join(filters)
    if run.sample_size is not None:
        sample = (
            f"stratified sample of {run.dataset_items} items by origin and intent "
            f"(seed {run.sample_seed})"
        )
        return f"{head}: {sample}" if head else sample
    count = f"{run.dataset_items} items"
    return f"{head}: {count}" if head else f"all {count}"


def config_rows(run: RunSource) -> list[tuple[str, str]]:
    """The configuration of one run as (setting, value) rows."""
    prompt = " ".join(p for p in (run.prompt_id, _short(run.prompt_hash) if run.prompt_hash
                                  else None) if p) or "—"  # fmt: skip
    policy = (
        f"{run.policy_path or DEFAULT_POLICY} {_short(run.policy_hash)}"
        if run.policy_hash
        else "— (not routed)"
    )
    return [
        ("backend", run.backend),
        ("model", run.model or "—"),
        ("prompt", prompt),
        ("policy", policy),
        ("classifier", _short(run.classifier_version) if run.classifier_version else "—"),
        ("dataset", f"{run.dataset_path} {_short(run.dataset_version)}"),
        ("items", subset_text(run)),
    ]


def config_diff(a: RunSource, b: RunSource) -> list[ConfigRow]:
    """Both runs' configuration, setting by setting (`differs` marks a change)."""
    return [
        ConfigRow(setting=name, a=value_a, b=value_b)
        for (name, value_a), (_, value_b) in zip(config_rows(a), config_rows(b), strict=True)
    ]

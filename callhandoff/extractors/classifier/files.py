"""Where a trained classifier's files are, checked without loading them (no numpy)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from callhandoff.exceptions import ConfigError

#: A trained classifier's files: its vocabulary and heads, and its weights.
CLASSIFIER_FILES = ("meta.json", "weights.npz")


def classifier_folder(directory: Path | None = None) -> Path:
    """`directory`, or the folder of the classifier shipped in the package when None."""
    if directory is not None:
        return directory
    return Path(str(resources.files("callhandoff.extractors.classifier") / "trained"))


def classifier_files(directory: Path | None = None) -> tuple[Path, Path]:
    """The `meta.json` and `weights.npz` of `classifier_folder(directory)`; a ConfigError
    naming the folder when either is missing."""
    folder = classifier_folder(directory)
    meta, weights = (folder / name for name in CLASSIFIER_FILES)
    if not meta.is_file() or not weights.is_file():
        raise ConfigError(
            f"no trained classifier in {folder} (it needs {' and '.join(CLASSIFIER_FILES)}): "
            "check CALLHANDOFF_CLASSIFIER_PATH, or train one with "
            "`python scripts/train_classifier.py`"
        )
    return meta, weights

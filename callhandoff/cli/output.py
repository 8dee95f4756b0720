"""Output files that never destroy what was there before the run succeeded.

`callhandoff process` writes its handoffs and rejects to a temporary file beside
the target and renames it over the target only when the run finished; a run
that fails (a bad setting, a store error, Ctrl-C, a kill) leaves the previous
file as it was. With `append`, lines are added to the end of the existing file
instead. `-` writes to standard output.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import TextIO

from callhandoff.exceptions import ConfigError


class OutputFile:
    """One output: a temporary file renamed over `path` on `commit`, or an append handle."""

    def __init__(self, target: str | Path, *, append: bool = False, option: str = "--out"):
        self.target = str(target)
        self.append = append
        self._temp: Path | None = None
        self.handle: TextIO
        if self.target == "-":
            self.handle = sys.stdout
            return
        path = Path(self.target)
        if path.is_dir():
            raise ConfigError(f"{option} {self.target} is a folder; give a file name")
        folder = path.parent
        if not folder.is_dir():
            raise ConfigError(f"{option} {self.target}: the folder {folder} does not exist")
        try:
            if append:
                self.handle = path.open("a", encoding="utf-8", buffering=1)
            else:
                descriptor, name = tempfile.mkstemp(
                    prefix=f".{path.name}.", suffix=".partial", dir=folder
                )
                self._temp = Path(name)
                self.handle = os.fdopen(descriptor, "w", encoding="utf-8", buffering=1)
        except OSError as exc:
            raise ConfigError(
                f"{option} {self.target}: cannot write there ({exc.strerror or exc})"
            ) from None

    def write(self, line: str) -> None:
        """Write one line (the newline is added)."""
        self.handle.write(line + "\n")

    def commit(self) -> None:
        """Make the output visible: rename the temporary file over the target."""
        if self.target == "-":
            self.handle.flush()
            return
        self.handle.close()
        if self._temp is not None:
            path = Path(self.target)
            with suppress(OSError):  # keep the target's permissions when it exists
                self._temp.chmod(path.stat().st_mode & 0o7777)
            if not path.exists():
                self._temp.chmod(0o666 & ~_umask())
            self._temp.replace(path)
            self._temp = None

    def discard(self) -> None:
        """Drop what was written (the target keeps its previous content)."""
        if self.target == "-":
            return
        with suppress(OSError):
            self.handle.close()
        if self._temp is not None:
            with suppress(OSError):
                self._temp.unlink()
            self._temp = None

    def __enter__(self) -> OutputFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

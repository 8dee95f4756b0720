"""Where transcripts come from: files, directories, stdin and text already in memory.

Picks the reader by suffix (`.json`, `.jsonl`/`.ndjson`, `.txt`) or, for anything else,
by sniffing the content; every problem becomes a `Rejected` and the stream goes on.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import tzinfo
from itertools import chain
from pathlib import Path
from typing import Literal

from callhandoff.exceptions import InputError
from callhandoff.readers.common import Limits, Origin
from callhandoff.readers.jsonfile import EMPTY_INPUT, iter_json_text, iter_jsonl, parses_alone
from callhandoff.readers.plaintext import parse_plaintext
from callhandoff.readers.records import is_pair_list
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

Kind = Literal["json", "jsonl", "plaintext"]
SUFFIXES: dict[str, Kind] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "plaintext",
}
STDIN = "-"
STDIN_NAME = "<stdin>"
_BOM = "\ufeff"
_JSON_START = re.compile(r"\{|\[\s*(?:$|[\[{\]\"])")
#: A `.json` file at least this large is parsed to count its records (it may be an array
#: of many calls); a smaller one counts as one call, so a folder of files is not read twice.
COUNTED_JSON_BYTES = 64 * 1024


def estimated_records(file: Path) -> int:
    """A cheap count of the calls in one file, for the progress bar and for planning the
    run: a JSONL file's lines, a large `.json` array's records, else one."""
    kind = SUFFIXES.get(file.suffix.lower())
    try:
        if kind == "jsonl":
            with file.open("rb") as handle:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        if kind == "json" and file.stat().st_size >= COUNTED_JSON_BYTES:
            data = file.read_bytes()
            try:
                value = json.loads(data)
            except (ValueError, RecursionError):  # JSONL under a .json name, or unreadable
                return max(data.count(b"\n"), 1)
            if isinstance(value, list) and value and not is_pair_list(value):
                return len(value)
    except OSError:  # counted as one: reading it is where the run says why it cannot
        pass
    return 1


def iter_inputs(
    paths: Sequence[str | Path],
    *,
    default_destination: Destination,
    tz: tzinfo,
    recursive: bool = False,
    limits: Limits | None = None,
) -> Iterator[Transcript | Rejected]:
    """Every transcript in the given files/dirs, in a stable order; '-' means stdin.

    Files of a directory come sorted by name, records in file order. Bad records, missing
    paths and unreadable files come out as `Rejected` and the stream goes on, so one bad
    transcript never stops a batch. Directories are read one level deep unless `recursive`.
    A transcript beyond `limits` (default `Limits()`) is rejected.
    """
    limits = limits or Limits()
    for item in paths:
        if str(item) == STDIN:
            origin = Origin(STDIN_NAME, default_destination, tz, limits)
            yield from _read_stdin(origin)
            continue
        path = Path(item)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as exc:  # e.g. a NUL byte in the name
            yield Rejected(path=str(path), problem=f"cannot read: {exc}")
            continue
        if is_dir:
            yield from _read_directory(path, default_destination, tz, recursive, limits)
        elif exists:
            yield from read_file(
                path, default_destination=default_destination, tz=tz, limits=limits
            )
        else:
            yield Rejected(path=str(path), problem="no such file or directory")


def read_file(
    path: Path | str,
    *,
    default_destination: Destination,
    tz: tzinfo,
    limits: Limits | None = None,
) -> Iterator[Transcript | Rejected]:
    """Every transcript in one file; JSONL is streamed line by line to keep memory flat.

    The reader is chosen by suffix; any other suffix is sniffed by content. A JSONL
    line that is not UTF-8 is rejected alone and the other lines are read; any other file
    that is not UTF-8 becomes one `Rejected`.
    """
    path = Path(path)
    origin = Origin(str(path), default_destination, tz, limits or Limits())
    kind = SUFFIXES.get(path.suffix.lower())
    try:
        if kind == "jsonl":
            with path.open("rb") as handle:
                yield from iter_jsonl(handle, origin)
            return
        data = path.read_bytes()
    except OSError as exc:
        yield origin.reject(_os_problem(exc), None, "")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield _not_utf8(origin, data, exc.start)
        return
    yield from _parse(text, origin, kind)


def parse_text(
    text: str,
    *,
    name: str,
    default_destination: Destination,
    tz: tzinfo,
    limits: Limits | None = None,
) -> Iterator[Transcript | Rejected]:
    """Same as `read_file`, for text already in memory (stdin, a webhook body).

    `name` is used as the path in messages and sources; its suffix, when it has a known
    one, picks the reader, otherwise the content is sniffed.
    """
    origin = Origin(name, default_destination, tz, limits or Limits())
    kind = SUFFIXES.get(Path(name).suffix.lower())
    yield from _parse(text.removeprefix(_BOM), origin, kind)


def sniff(text: str) -> Kind:
    """Guess the format of text with no telling suffix.

    A first non-blank line that is a complete JSON value (or a second one, if the first is
    broken) means JSONL; other text starting with `{` or `[` is a JSON document; anything
    else is plain text.
    """
    lines = (line for line in text.split("\n") if line.strip())
    first = next(lines, "").strip()
    if not _JSON_START.match(first):  # `[00:00:02] Agent: ...` is plain text
        return "plaintext"
    if parses_alone(first):
        return "jsonl"
    second = next(lines, "").strip()
    if second.startswith("{") and parses_alone(second):
        return "jsonl"
    return "json"


def _parse(text: str, origin: Origin, kind: Kind | None) -> Iterator[Transcript | Rejected]:
    if not text.strip():
        yield origin.reject(EMPTY_INPUT, None, text)
        return
    kind = kind or sniff(text)
    if kind == "jsonl":
        yield from iter_jsonl(text.split("\n"), origin)
    elif kind == "json":
        yield from iter_json_text(text, origin)
    else:
        try:
            yield parse_plaintext(text, origin)
        except InputError as exc:
            yield origin.rejected_from(exc, None, text)


def _read_stdin(origin: Origin) -> Iterator[Transcript | Rejected]:
    """Stream stdin as JSONL when its first line is a whole record; else read it all."""
    buffer = getattr(sys.stdin, "buffer", None)
    lines: Iterator[bytes] = (
        iter(buffer) if buffer is not None else (line.encode() for line in sys.stdin)
    )
    peeked: list[bytes] = []
    for line in lines:
        peeked.append(line)
        if line.strip():
            break
    first = peeked[-1].decode("utf-8-sig", "replace") if peeked else ""
    if parses_alone(first):
        yield from iter_jsonl(chain(peeked, lines), origin)
        return
    data = b"".join(chain(peeked, lines))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield _not_utf8(origin, data, exc.start)
        return
    yield from _parse(text, origin, None)


def _read_directory(
    directory: Path, default_destination: Destination, tz: tzinfo, recursive: bool, limits: Limits
) -> Iterator[Transcript | Rejected]:
    try:
        files = list_transcript_files(directory, recursive=recursive)
    except OSError as exc:
        yield Rejected(path=str(directory), problem=_os_problem(exc))
        return
    if not files:
        where = "in it or its subfolders" if recursive else "directly in it"
        yield Rejected(
            path=str(directory),
            problem=f"no transcript files (.json, .jsonl, .ndjson, .txt) {where}",
        )
    for path in files:
        yield from read_file(path, default_destination=default_destination, tz=tz, limits=limits)


def list_transcript_files(directory: Path, *, recursive: bool = False) -> list[Path]:
    """The transcript files of a directory, sorted by name; hidden entries are skipped.

    Subfolders (e.g. the `store/` data beside examples) are only entered when `recursive`,
    depth first, in name order with the files; symlink loops are entered once.
    """
    found: list[Path] = []
    seen: set[Path] = set()

    def visit(folder: Path) -> None:
        real = folder.resolve()
        if real in seen:
            return
        seen.add(real)
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                if recursive:
                    visit(entry)
            elif entry.suffix.lower() in SUFFIXES and entry.is_file():
                found.append(entry)

    visit(directory)
    return found


def _not_utf8(origin: Origin, data: bytes, offset: int | None, line: int | None = None) -> Rejected:
    """One `Rejected` for the whole file; `raw` keeps the bytes as `\\xNN` escapes."""
    if line is None and offset is not None:
        line = data.count(b"\n", 0, offset) + 1
    problem = "not valid UTF-8 text; save the file as UTF-8 and read it again"
    return origin.reject(problem, line, data.decode("utf-8", "backslashreplace"))


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file (read it with iter_inputs)"
    return f"cannot read: {exc.strerror or exc}"

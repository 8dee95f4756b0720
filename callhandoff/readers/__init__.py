"""Transcript readers: files, folders, stdin or text in -> `Transcript` or `Rejected` out.

Four formats are recognised per record: native (our `Transcript` JSON), chat
(`{"turns": [{"role", "content"}]}`, the CuCoM corpus), ABCD-style `[speaker, text]`
pairs, and plain text with `Agent:` / `Customer:` lines.
"""

from callhandoff.readers.inputs import (
    estimated_records,
    iter_inputs,
    list_transcript_files,
    parse_text,
    read_file,
)

__all__ = ["estimated_records", "iter_inputs", "list_transcript_files", "parse_text", "read_file"]

"""Files, folders and stdin through the public API, including the real shared corpora."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC
from itertools import islice
from pathlib import Path

import pytest

from callhandoff.readers import (
    estimated_records,
    iter_inputs,
    list_transcript_files,
    parse_text,
    read_file,
)
from callhandoff.readers.inputs import COUNTED_JSON_BYTES
from callhandoff.schema.enums import Destination, Speaker
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

from .helpers import FIXTURES, SHARED_DATA, Item, only_rejected, only_transcript, transcripts

MIXED = FIXTURES / "mixed"
CART = Destination.CLOUDCART


def read(*paths: str | Path, recursive: bool = False) -> list[Item]:
    return list(iter_inputs(list(paths), recursive=recursive, default_destination=CART, tz=UTC))


def where(items: list[Item]) -> list[str]:
    """`path:line format call_id` per transcript, `path:line: problem` per rejection."""
    shown = []
    for item in items:
        if isinstance(item, Rejected):
            shown.append(item.message().replace(str(FIXTURES) + "/", ""))
        else:
            assert item.source is not None
            path = str(item.source).replace(str(FIXTURES) + "/", "")
            shown.append(f"{path} {item.source.format} {item.call_id}")
    return shown


def test_mixed_formats_in_one_directory_in_name_order() -> None:
    # Hidden files, other suffixes (notes.md) and the store/ subfolder are not read.
    assert where(read(MIXED)) == [
        "mixed/a_native.jsonl:1 native DN-1001",
        "mixed/a_native.jsonl:2 native DN-1002",
        "mixed/b_chat.jsonl:1 chat chat-7",
        "mixed/b_chat.jsonl:2 chat b_chat-2",
        "mixed/c_abcd.json:2 abcd abcd-77",
        "mixed/d_call.txt plaintext DN-2001",
    ]


def test_recursive_also_reads_subfolders() -> None:
    items = where(read(MIXED, recursive=True))
    assert items[:6] == where(read(MIXED))
    assert items[6:] == [
        "mixed/store/customers.json:1: unrecognised transcript format: expected 'turns' "
        "(native or chat), 'original' (ABCD) or [speaker, text] pairs; "
        "got keys ['customer_id', 'name', 'phone']"
    ]


def test_listing_skips_hidden_files_and_other_suffixes() -> None:
    names = [path.name for path in list_transcript_files(MIXED)]
    assert names == ["a_native.jsonl", "b_chat.jsonl", "c_abcd.json", "d_call.txt"]
    deep = [
        path.relative_to(MIXED).as_posix() for path in list_transcript_files(MIXED, recursive=True)
    ]
    assert deep == [*names, "store/customers.json"]


def test_explicit_paths_keep_the_given_order_and_missing_ones_are_rejected() -> None:
    items = read(MIXED / "d_call.txt", FIXTURES / "missing.jsonl", MIXED / "b_chat.jsonl")
    assert where(items) == [
        "mixed/d_call.txt plaintext DN-2001",
        "missing.jsonl: no such file or directory",
        "mixed/b_chat.jsonl:1 chat chat-7",
        "mixed/b_chat.jsonl:2 chat b_chat-2",
    ]


def test_explicit_file_with_another_suffix_is_sniffed() -> None:
    transcript = only_transcript(read(FIXTURES / "call.log"))
    assert transcript.call_id == "call"
    assert [t.speaker for t in transcript.turns] == [Speaker.CUSTOMER, Speaker.AGENT]


def test_bad_records_in_the_middle_do_not_stop_the_batch() -> None:
    batch = FIXTURES / "batch.jsonl"
    lines = batch.read_text().splitlines()
    items = read(batch)
    assert [item.call_id for item in items if isinstance(item, Transcript)] == [
        "good-1",
        "good-2",
        "good-3",
    ]
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [(r.line, r.raw) for r in rejected] == [(2, lines[1]), (5, lines[4]), (6, lines[5])]
    assert [r.message().removeprefix(str(batch)) for r in rejected] == [
        ":2: invalid JSON: Expecting ',' delimiter at column 46",
        ":5: unrecognised transcript format: expected 'turns' (native or chat), 'original' "
        "(ABCD) or [speaker, text] pairs; got keys ['foo', 'bar']",
        ":6: turn 3: unknown speaker 'narrator' (use agent, customer, bot or system)",
    ]
    assert isinstance(items[1], Rejected) and isinstance(items[3], Rejected)  # order kept


def test_non_utf8_file_is_one_rejection(tmp_path: Path) -> None:
    rejected = only_rejected(read(FIXTURES / "latin1.txt"))
    assert rejected.line == 2
    assert rejected.problem == "not valid UTF-8 text; save the file as UTF-8 and read it again"
    assert rejected.raw == "Agent: hello\nCustomer: caf\\xe9 order\n"


def test_one_bad_byte_in_a_jsonl_line_rejects_that_line_only(tmp_path: Path) -> None:
    jsonl = tmp_path / "calls.jsonl"
    lines = [
        f'{{"id": "c{n}", "turns": [{{"role": "user", "content": "hi {n}"}}]}}' for n in range(5)
    ]
    body = "\n".join(lines).encode().replace(b"hi 2", b"hi \xff 2") + b"\n"
    jsonl.write_bytes(body)
    items = read(jsonl)
    assert [getattr(item, "call_id", None) for item in items] == ["c0", "c1", None, "c3", "c4"]
    rejected = items[2]
    assert isinstance(rejected, Rejected) and rejected.line == 3
    assert "not valid UTF-8" in rejected.problem and "\\xff" in rejected.raw


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "turns": [{"role": "user", "content": "hi"}]}\n')
    assert only_transcript(read(path)).call_id == "a"


def test_empty_directory_and_directory_passed_to_read_file(tmp_path: Path) -> None:
    assert only_rejected(read(tmp_path)).message() == (
        f"{tmp_path}: no transcript files (.json, .jsonl, .ndjson, .txt) directly in it"
    )
    rejected = only_rejected(list(read_file(tmp_path, default_destination=CART, tz=UTC)))
    assert rejected.problem == "is a directory, not a file (read it with iter_inputs)"


def test_stdin_text_via_parse_text_is_sniffed() -> None:
    jsonl = '{"id": "s1", "turns": [{"role": "user", "content": "hi"}]}\n'
    pretty = json.dumps({"call_id": "s2", "turns": [{"speaker": "agent", "text": "yo"}]}, indent=2)
    plain = "Call-ID: s3\n\nAgent: hello\n"
    found = []
    for text in (jsonl, pretty, plain):
        items = list(parse_text(text, name="<stdin>", default_destination=CART, tz=UTC))
        transcript = only_transcript(items)
        assert transcript.source is not None
        found.append((transcript.call_id, transcript.source.format, transcript.source.path))
    assert found == [
        ("s1", "chat", "<stdin>"),
        ("s2", "native", "<stdin>"),
        ("s3", "plaintext", "<stdin>"),
    ]
    bad = list(
        parse_text("Agent: hi\n[0:07] what?\n", name="<stdin>", default_destination=CART, tz=UTC)
    )
    assert only_rejected(bad).message().startswith("<stdin>:2: turn 2: timestamp '[0:07]'")


def test_timestamped_plain_text_is_not_mistaken_for_json() -> None:
    text = "[00:00:02] Agent: Hello\n[00:00:05] Customer: Hi\n"
    items = list(parse_text(text, name="webhook-body", default_destination=CART, tz=UTC))
    assert [t.start for t in only_transcript(items).turns] == [2.0, 5.0]


def test_hostile_json_is_rejected_not_raised() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    huge = '{"id": ' + "1" * 5000 + "}"
    problems = [
        only_rejected(list(parse_text(text, name=name, default_destination=CART, tz=UTC))).problem
        for text, name in [(deep, "deep.jsonl"), (deep, "deep.json"), (huge, "huge.jsonl")]
    ]
    assert problems[:2] == ["invalid JSON: nested too deeply to read"] * 2
    assert problems[2].startswith("invalid JSON: Exceeds the limit (4300 digits)")


def test_dash_reads_stdin_as_a_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    body = (
        b'{"id": "p1", "turns": [{"role": "user", "content": "one"}]}\n'
        b"not json\n"
        b'{"id": "p2", "turns": [{"role": "agent", "content": "two"}]}\n'
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body), encoding="utf-8"))
    assert [
        item.message() if isinstance(item, Rejected) else item.call_id for item in read("-")
    ] == [
        "p1",
        "<stdin>:2: invalid JSON: Expecting value at column 1",
        "p2",
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("Customer: hello\nAgent: hi\n"))
    assert only_transcript(read("-")).call_id == "stdin"


# --- the real shared corpora (read in place, never copied) ---------------------------------

ABCD = SHARED_DATA / "abcd" / "abcd_sample.json"
CUCOM = SHARED_DATA / "cucom" / "ecommerce.jsonl"


@pytest.mark.skipif(not ABCD.exists(), reason="shared ABCD sample not present")
def test_real_abcd_sample() -> None:
    items = transcripts(read(ABCD))
    assert len(items) == 3
    assert items[0].call_id == "abcd-3592"
    raw = json.loads(ABCD.read_text())
    for transcript, conversation in zip(items, raw, strict=True):
        assert transcript.call_id == f"abcd-{conversation['convo_id']}"
        assert [t.text for t in transcript.turns] == [text for _, text in conversation["original"]]
        assert {t.speaker for t in transcript.turns} <= {
            Speaker.AGENT,
            Speaker.CUSTOMER,
            Speaker.SYSTEM,
        }


@pytest.mark.skipif(not CUCOM.exists(), reason="shared CuCoM corpus not present")
def test_real_cucom_first_50_lines_read_lazily() -> None:
    items = transcripts(list(islice(iter_inputs([CUCOM], default_destination=CART, tz=UTC), 50)))
    with CUCOM.open(encoding="utf-8") as handle:
        expected = [json.loads(line) for line in islice(handle, 50)]
    assert [t.call_id for t in items] == [record["id"] for record in expected]
    assert [t.call_id for t in items][:2] == ["conv_0001", "conv_0002"]
    for number, (transcript, record) in enumerate(zip(items, expected, strict=True), 1):
        assert transcript.source is not None
        assert (transcript.source.line, transcript.source.format) == (number, "chat")
        assert transcript.channel == "chat"
        assert transcript.destination is Destination.CLOUDCART
        assert [t.text for t in transcript.turns] == [turn["content"] for turn in record["turns"]]
        assert {t.speaker for t in transcript.turns} <= {Speaker.AGENT, Speaker.CUSTOMER}


def test_the_estimated_count_of_calls_matches_what_is_read(tmp_path: Path) -> None:
    def call(number: int) -> dict[str, object]:
        text = f"Hi, where is order HH-{number:05d}? " + "It was due last week. " * 20
        return {"call_id": f"c-{number}", "turns": [{"role": "user", "content": text}]}

    array = tmp_path / "calls.json"  # an array of calls large enough to be counted
    array.write_text(json.dumps([call(n) for n in range(300)]), encoding="utf-8")
    lines = tmp_path / "calls.jsonl"
    lines.write_text("".join(json.dumps(call(n)) + "\n" for n in range(7)), encoding="utf-8")
    misnamed = tmp_path / "lines.json"  # JSONL under a .json name, read line by line
    misnamed.write_text(lines.read_text(encoding="utf-8") * 60, encoding="utf-8")
    single = tmp_path / "one.json"
    single.write_text(json.dumps(call(1)), encoding="utf-8")
    pairs = tmp_path / "pairs.json"  # one conversation as [speaker, text] pairs
    pairs.write_text(json.dumps([["customer", "Hello " * 20]] * 800), encoding="utf-8")
    assert array.stat().st_size >= COUNTED_JSON_BYTES > single.stat().st_size
    assert pairs.stat().st_size >= COUNTED_JSON_BYTES
    for path in (array, lines, misnamed, single, pairs):
        assert estimated_records(path) == len(read(path)), path.name


def test_a_file_that_cannot_be_read_is_left_to_the_reader_to_reject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    large = tmp_path / "calls.json"
    large.write_text(json.dumps([{"turns": [["customer", "hi " * 40]]}] * 800), encoding="utf-8")

    def refused(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refused)
    assert estimated_records(large) == 1  # no error before the run: the reader says why

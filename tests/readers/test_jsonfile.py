"""JSON documents and JSONL streams: record lines, raw text, and whole-file failures."""

from __future__ import annotations

from .helpers import FIXTURES, Parse, only_rejected, only_transcript, transcripts


def test_json_array_records_carry_their_own_start_line(parse: Parse) -> None:
    text = (FIXTURES / "records.json").read_text()
    good_1, bad, good_3 = parse(text, name="records.json")
    assert str(only_transcript([good_1]).source) == "records.json:2"
    rejected = only_rejected([bad])
    assert rejected.message() == "records.json:3: turn 1: text is empty"
    assert rejected.raw == (
        '{\n    "call_id": "J-2",\n    "turns": [{"speaker": "customer", "text": ""}]\n  }'
    )
    assert str(only_transcript([good_3]).source) == "records.json:7"


def test_json_single_object_spanning_lines(parse: Parse) -> None:
    text = '\n\n{\n  "call_id": "S-1",\n  "turns": [{"speaker": "agent", "text": "hi"}]\n}\n'
    transcript = only_transcript(parse(text, name="one.json"))
    assert str(transcript.source) == "one.json:3"


def test_unparsable_json_document_is_one_rejection_with_the_whole_file(parse: Parse) -> None:
    text = '[\n  {"call_id": "A", "turns": []},\n  {"call_id": "B" "turns": []}\n]\n'
    rejected = only_rejected(parse(text, name="broken.json"))
    assert rejected.message() == "broken.json:3: invalid JSON: Expecting ',' delimiter at column 19"
    assert rejected.raw == text


def test_bare_pair_list_file_is_one_transcript(parse: Parse) -> None:
    text = (FIXTURES / "pairs.json").read_text()
    transcript = only_transcript(parse(text, name="pairs.json"))
    assert (transcript.call_id, len(transcript.turns)) == ("pairs-1", 2)


def test_json_file_that_is_really_jsonl_is_read_line_by_line(parse: Parse) -> None:
    text = (
        '{"id": "a", "turns": [{"role": "user", "content": "one"}]}\n'
        '{"id": "b", "turns": [{"role": "user", "content": "two"}]}\n'
    )
    items = transcripts(parse(text, name="export.json"))
    assert [str(item.source) for item in items] == ["export.json:1", "export.json:2"]


def test_one_line_array_of_chat_records_without_ids_get_distinct_ids(parse: Parse) -> None:
    record = '{"turns": [{"role": "user", "content": "x"}]}'
    items = transcripts(parse(f"[{record}, {record}]", name="day.json"))
    assert [item.call_id for item in items] == ["day-1-1", "day-1-2"]


def test_empty_inputs_are_reported(parse: Parse) -> None:
    assert only_rejected(parse("", name="e.jsonl")).message() == (
        "e.jsonl: the input is empty: no transcripts found"
    )
    assert only_rejected(parse("  \n", name="e.json")).problem == (
        "the input is empty: no transcripts found"
    )
    assert only_rejected(parse("\n[ ]\n", name="e.json")).message() == (
        "e.json:2: the array is empty: no transcripts found"
    )


def test_jsonl_blank_lines_are_skipped_and_line_numbers_kept(parse: Parse) -> None:
    record = '{"id": "a", "turns": [{"role": "user", "content": "one"}]}'
    items = transcripts(parse(f"\n{record}\n\n\n{record}\r\n", name="s.ndjson"))
    assert [str(item.source) for item in items] == ["s.ndjson:2", "s.ndjson:5"]

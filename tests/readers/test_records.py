"""The three JSON shapes (native, chat, ABCD) and the messages for malformed records."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from callhandoff.schema.enums import Destination, Speaker

from .helpers import Parse, only_rejected, only_transcript, transcripts


def line(record: object) -> str:
    return json.dumps(record)


# --- native -----------------------------------------------------------------------


def test_native_record_keeps_every_field(parse: Parse) -> None:
    record = {
        "call_id": " DN-1 ",
        "destination": "cults",
        "store": "printhub",
        "channel": "phone",
        "caller_phone": "+15550100",
        "started_at": "2025-03-14T09:30:00+02:00",
        "links": {"transcript": "https://t.example/1", "recording": None},
        "turns": [
            {"speaker": "customer", "text": "It arrived cracked.", "start": 1.5, "end": 3.0},
            {"speaker": "AGENT", "text": "I will send a new one."},
        ],
    }
    transcript = only_transcript(parse(line(record)))
    assert transcript.call_id == "DN-1"
    assert transcript.destination is Destination.CULTS
    assert transcript.store == "printhub"
    assert transcript.caller_phone == "+15550100"
    assert transcript.started_at == datetime.fromisoformat("2025-03-14T09:30:00+02:00")
    assert transcript.links.transcript == "https://t.example/1"
    assert [t.speaker for t in transcript.turns] == [Speaker.CUSTOMER, Speaker.AGENT]
    assert (transcript.turns[0].start, transcript.turns[0].end) == (1.5, 3.0)
    assert transcript.source is not None
    assert (transcript.source.path, transcript.source.line) == ("calls.jsonl", 1)
    assert transcript.source.format == "native"


def test_native_defaults_destination_and_zone(parse: Parse) -> None:
    record = {
        "call_id": "DN-2",
        "started_at": "2025-03-14 09:30:00",
        "turns": [{"speaker": "bot", "text": "Hello"}],
    }
    berlin = ZoneInfo("Europe/Berlin")
    transcript = only_transcript(parse(line(record), destination=Destination.CULTS, tz=berlin))
    assert transcript.destination is Destination.CULTS
    assert transcript.started_at == datetime(2025, 3, 14, 9, 30, tzinfo=berlin)


def test_native_source_in_input_is_replaced_by_where_it_was_read(parse: Parse) -> None:
    record = {
        "call_id": "DN-3",
        "source": {"path": "elsewhere", "format": "x"},
        "turns": [{"speaker": "agent", "text": "Hi"}],
    }
    transcript = only_transcript(parse(line(record), name="today.ndjson"))
    assert str(transcript.source) == "today.ndjson:1"


# --- chat -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "speaker"),
    [
        ("user", Speaker.CUSTOMER),
        ("User", Speaker.CUSTOMER),
        ("customer", Speaker.CUSTOMER),
        ("caller", Speaker.CUSTOMER),
        ("human", Speaker.CUSTOMER),
        ("agent", Speaker.AGENT),
        ("Agent", Speaker.AGENT),
        ("assistant", Speaker.AGENT),
        ("rep", Speaker.AGENT),
        ("support", Speaker.AGENT),
        ("bot", Speaker.BOT),
        ("system", Speaker.SYSTEM),
    ],
)
def test_chat_roles_map_to_speakers(parse: Parse, role: str, speaker: Speaker) -> None:
    record = {"id": "c1", "turns": [{"role": role, "content": "hello"}]}
    assert only_transcript(parse(line(record))).turns[0].speaker is speaker


def test_chat_record_defaults_and_metadata(parse: Parse) -> None:
    plain = {"id": "conv_1", "turns": [{"role": "user", "content": "where is order 7?"}]}
    rich = {
        "id": 42,
        "destination": "CULTS",
        "store": "s1",
        "channel": "whatsapp",
        "caller_phone": "+4930123",
        "started_at": "2025-01-02T03:04:05Z",
        "turns": [{"role": "user", "content": "hi"}],
    }
    first, second = transcripts(parse(line(plain) + "\n" + line(rich)))
    assert (first.call_id, first.channel, first.destination) == ("conv_1", "chat", "cloudcart")
    assert str(first.source) == "calls.jsonl:1"
    assert first.source is not None and first.source.format == "chat"
    assert (second.call_id, second.destination) == ("42", Destination.CULTS)
    assert (second.store, second.channel, second.caller_phone) == ("s1", "whatsapp", "+4930123")
    assert second.started_at is not None
    assert second.started_at.isoformat() == "2025-01-02T03:04:05+00:00"


def test_chat_without_id_is_named_after_file_and_line(parse: Parse) -> None:
    record = {"turns": [{"role": "user", "content": "hi"}]}
    items = parse("\n\n" + line(record), name="inbox/export.jsonl")
    assert only_transcript(items).call_id == "export-3"


def test_chat_reply_folded_into_a_turn_becomes_its_own_turn(parse: Parse) -> None:
    # CuCoM has a few turns like this: the agent's reply stored under an "agent" key.
    record = {
        "id": "c2",
        "turns": [
            {"role": "user", "content": "can I reorder?", "agent": "Yes, with another card."},
            {"role": "user", "content": "ok", "media_type": "image"},
        ],
    }
    turns = only_transcript(parse(line(record))).turns
    assert [(t.speaker.value, t.text) for t in turns] == [
        ("customer", "can I reorder?"),
        ("agent", "Yes, with another card."),
        ("customer", "ok"),
    ]


# --- ABCD -------------------------------------------------------------------------


def test_abcd_object_pairs_and_action_turns(parse: Parse) -> None:
    record = {
        "convo_id": 3592,
        "scenario": {"order": {"order_id": "1"}},
        "original": [["agent", "Hi!"], ["customer", "Return please"], ["action", "Pulled up"]],
    }
    transcript = only_transcript(parse(line(record)))
    assert transcript.call_id == "abcd-3592"
    assert [t.speaker for t in transcript.turns] == [
        Speaker.AGENT,
        Speaker.CUSTOMER,
        Speaker.SYSTEM,
    ]
    assert transcript.source is not None and transcript.source.format == "abcd"


def test_bare_pair_list_is_one_transcript(parse: Parse) -> None:
    items = parse('[["customer", "Do you ship to Canada?"], ["agent", "Yes."]]', name="q.jsonl")
    transcript = only_transcript(items)
    assert transcript.call_id == "q-1"
    assert len(transcript.turns) == 2


def test_array_of_abcd_objects_on_one_line_gets_distinct_fallback_ids(parse: Parse) -> None:
    pairs = [["customer", "hi"]]
    items = parse(line([{"original": pairs}, {"original": pairs}]), name="abcd.jsonl")
    assert [item.call_id for item in transcripts(items)] == ["abcd-1-1", "abcd-1-2"]


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (
            {"foo": 1, "bar": 2},
            "unrecognised transcript format: expected 'turns' (native or chat), "
            "'original' (ABCD) or [speaker, text] pairs; got keys ['foo', 'bar']",
        ),
        (
            "just a string",
            "unrecognised transcript format: expected 'turns' (native or chat), "
            "'original' (ABCD) or [speaker, text] pairs; got a string",
        ),
        (
            {
                "id": "x",
                "turns": [
                    {"role": "user", "content": "a"},
                    {"role": "agent", "content": "b"},
                    {"role": "narrator", "content": "c"},
                ],
            },
            "turn 3: unknown speaker 'narrator' (use agent, customer, bot or system)",
        ),
        (
            {
                "call_id": "x",
                "turns": [{"speaker": "agent", "text": "a"}, {"speaker": "customer", "text": "  "}],
            },
            "turn 2: text is empty",
        ),
        ({"id": "x", "turns": []}, "no turns"),
        ({"convo_id": 1, "original": []}, "no turns"),
        (
            {"id": "x", "destination": "shopify", "turns": [{"role": "user", "content": "a"}]},
            "destination 'shopify' is not supported (use cloudcart or cults)",
        ),
        (
            {
                "call_id": "x",
                "started_at": "2025-13-01",
                "turns": [{"speaker": "agent", "text": "a"}],
            },
            "started_at '2025-13-01' is not an ISO 8601 date-time",
        ),
        (
            {
                "id": "x",
                "turns": [{"role": "user", "content": "a"}, {"role": "agent", "content": 5}],
            },
            "turn 2: 'content' must be a string, got a number",
        ),
        (
            {"id": "x", "turns": [{"role": "user", "content": "a"}, {"content": "b"}]},
            "turn 2: 'role' is missing",
        ),
        (
            {"id": "x", "turns": [{"who": "user", "said": "a"}]},
            "turn 1: expected 'speaker' and 'text' (native) or 'role' and 'content' (chat); "
            "got keys ['who', 'said']",
        ),
        (
            {"convo_id": 1, "original": [["agent", "hi"], ["customer"]]},
            "turn 2: expected a [speaker, text] pair, got 1 items",
        ),
        (
            {"call_id": "x", "turns": [{"speaker": "agent", "text": "a", "start": -1}]},
            "turn 1: start: Input should be greater than or equal to 0 (got -1)",
        ),
        ({"call_id": "", "turns": [{"speaker": "agent", "text": "a"}]}, "call_id is empty"),
    ],
)
def test_malformed_record_is_rejected_with_an_actionable_message(
    parse: Parse, record: object, problem: str
) -> None:
    text = line(record)
    good = line({"id": "ok", "turns": [{"role": "user", "content": "fine"}]})
    items = parse(good + "\n" + text, name="in/calls.jsonl")
    assert len(items) == 2
    rejected = only_rejected(items[1:])
    assert rejected.problem == problem
    assert (rejected.path, rejected.line, rejected.raw) == ("in/calls.jsonl", 2, text)
    assert rejected.message() == f"in/calls.jsonl:2: {problem}"


def test_invalid_json_line_names_the_column(parse: Parse) -> None:
    bad = '{"id": "x", "turns" [1]}'
    rejected = only_rejected(parse(bad, name="calls.jsonl"))
    assert rejected.message() == "calls.jsonl:1: invalid JSON: Expecting ':' delimiter at column 21"
    assert rejected.raw == bad

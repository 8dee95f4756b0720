"""Plain-text transcripts: headers, speaker prefixes, timestamps and their error messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from callhandoff.schema.enums import Destination, Speaker

from .helpers import Parse, only_rejected, only_transcript

CALL = """\
call-id: DN-2001
DESTINATION: Cults
Store: figurine-lab
Channel: voicemail
Caller: +44 20 7946 0000
Started: 2025-03-14 10:15:00
Transcript-URL: https://calls.example/DN-2001.txt
Recording-URL: https://calls.example/DN-2001.mp3

[00:00:02] Agent: Figurine Lab, how can I help?
[00:01:05] Customer: The dragon I bought
has a broken wing.

Order ID: 4417
[1:10.5] Rep: Sorry, can you send a photo?
"""


def test_headers_fill_the_call_metadata(parse: Parse) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    transcript = only_transcript(parse(CALL, name="calls/DN-2001.txt", tz=berlin))
    assert transcript.call_id == "DN-2001"
    assert transcript.destination is Destination.CULTS
    assert (transcript.store, transcript.channel) == ("figurine-lab", "voicemail")
    assert transcript.caller_phone == "+44 20 7946 0000"
    assert transcript.started_at == datetime(2025, 3, 14, 10, 15, tzinfo=berlin)
    assert transcript.links.transcript == "https://calls.example/DN-2001.txt"
    assert transcript.links.recording == "https://calls.example/DN-2001.mp3"
    assert transcript.source is not None
    assert (transcript.source.path, transcript.source.line) == ("calls/DN-2001.txt", None)
    assert transcript.source.format == "plaintext"


def test_turns_timestamps_and_continuation_lines(parse: Parse) -> None:
    transcript = only_transcript(parse(CALL, name="DN-2001.txt"))
    assert [(t.speaker, t.text, t.start) for t in transcript.turns] == [
        (Speaker.AGENT, "Figurine Lab, how can I help?", 2.0),
        (Speaker.CUSTOMER, "The dragon I bought\nhas a broken wing.\nOrder ID: 4417", 65.0),
        (Speaker.AGENT, "Sorry, can you send a photo?", 70.5),
    ]


def test_no_headers_means_file_stem_phone_and_default_destination(parse: Parse) -> None:
    text = "Customer: Is the red hoodie back?\nAGENT: Yes, in medium.\n"
    transcript = only_transcript(
        parse(text, name="inbox/call-77.txt", destination=Destination.CULTS)
    )
    assert transcript.call_id == "call-77"
    assert transcript.channel == "phone"
    assert transcript.destination is Destination.CULTS
    assert transcript.started_at is None


@pytest.mark.parametrize(
    ("prefix", "speaker"),
    [
        ("agent", Speaker.AGENT),
        ("Rep", Speaker.AGENT),
        ("Representative", Speaker.AGENT),
        ("support", Speaker.AGENT),
        ("Customer", Speaker.CUSTOMER),
        ("caller", Speaker.CUSTOMER),
        ("Client", Speaker.CUSTOMER),
        ("user", Speaker.CUSTOMER),
        ("Bot", Speaker.BOT),
        ("IVR", Speaker.BOT),
        ("assistant", Speaker.BOT),
        ("System", Speaker.SYSTEM),
    ],
)
def test_speaker_prefixes(parse: Parse, prefix: str, speaker: Speaker) -> None:
    transcript = only_transcript(parse(f"{prefix}: hello there\n", name="x.txt"))
    assert transcript.turns[0].speaker is speaker
    assert transcript.turns[0].text == "hello there"


def test_a_label_without_timestamp_continues_the_turn(parse: Parse) -> None:
    # A spoken "Order ID: 4417" or "Email: ..." on its own line is never lost.
    text = "Agent: hi\nOrder ID: 4417\nEmail: a@b.example\n"
    transcript = only_transcript(parse(text, name="n.txt"))
    assert [t.text for t in transcript.turns] == ["hi\nOrder ID: 4417\nEmail: a@b.example"]


@pytest.mark.parametrize("speaker", ["Narrator", "Stranger", "Agent 2"])
def test_unknown_speaker_is_rejected_not_merged(parse: Parse, speaker: str) -> None:
    rejected = only_rejected(
        parse(f"Agent: hi\nCustomer: hello\n{speaker}: the end\n", name="n.txt")
    )
    assert rejected.line == 3
    assert rejected.problem == (
        f"turn 3: unknown speaker {speaker!r} (use agent, customer, bot or system)"
    )


@pytest.mark.parametrize(
    ("prefix", "speaker"), [("Manager", Speaker.AGENT), ("Robot", Speaker.BOT)]
)
def test_manager_and_robot_are_speakers(parse: Parse, prefix: str, speaker: Speaker) -> None:
    transcript = only_transcript(parse(f"Customer: hi\n{prefix}: hello\n", name="m.txt"))
    assert [(t.speaker, t.text) for t in transcript.turns][1] == (speaker, "hello")


def test_caller_header_with_a_phone_number_is_caller_id_not_a_turn(parse: Parse) -> None:
    transcript = only_transcript(parse("Caller: (555) 010-0199\n\nAgent: Hi\n", name="c.txt"))
    assert transcript.caller_phone == "(555) 010-0199"
    assert [t.text for t in transcript.turns] == ["Hi"]


def test_crlf_line_endings(parse: Parse) -> None:
    text = "Call-ID: W-1\r\n\r\nAgent: Hello\r\nCustomer: Hi\r\n"
    transcript = only_transcript(parse(text, name="w.txt"))
    assert (transcript.call_id, [t.text for t in transcript.turns]) == ("W-1", ["Hello", "Hi"])


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("Hello, this is a note without speakers.\n", None, "no 'Agent:'/'Customer:' lines found"),
        (
            "Call-ID: X-1\nSubject: refund\n\nAgent: hi\n",
            2,
            "unknown header 'Subject' (headers are Call-ID, Destination, Store, Channel, "
            "Caller, Started, Transcript-URL, Recording-URL; turns start with 'Agent:' or "
            "'Customer:')",
        ),
        (
            "Call notes from Monday\nAgent: hi\n",
            1,
            "expected a 'Key: value' header or an 'Agent:'/'Customer:' line, got 'Call notes "
            "from Monday' (headers are Call-ID, Destination, Store, Channel, Caller, Started, "
            "Transcript-URL, Recording-URL; turns start with 'Agent:' or 'Customer:')",
        ),
        (
            "Destination: shopify\n\nAgent: hi\n",
            1,
            "destination 'shopify' is not supported (use cloudcart or cults)",
        ),
        (
            "Call-ID: X\nStarted: 2025-13-01\n\nAgent: hi\n",
            2,
            "Started '2025-13-01' is not an ISO 8601 date-time",
        ),
        (
            "[00:01] Agent: hi\n[00:04] Customer: hello\n[00:09] Narrator: and then\n",
            3,
            "turn 3: unknown speaker 'Narrator' (use agent, customer, bot or system)",
        ),
        (
            "Agent: hi\nCustomer:\n\nAgent: anyone there?\n",
            2,
            "turn 2: text is empty",
        ),
        (
            "Agent: hi\n[00:07] hello?\n",
            2,
            "turn 2: timestamp '[00:07]' is not followed by a speaker (write '[00:07] Agent: ...')",
        ),
        (
            "[0:75] Agent: hi\n",
            1,
            "turn 1: timestamp '[0:75]' is not a valid time (use [mm:ss] or [hh:mm:ss])",
        ),
    ],
)
def test_plaintext_errors_name_the_line_and_the_fix(
    parse: Parse, text: str, line: int | None, problem: str
) -> None:
    rejected = only_rejected(parse(text, name="calls/bad.txt"))
    assert (rejected.path, rejected.line, rejected.problem) == ("calls/bad.txt", line, problem)
    assert rejected.raw == text  # the whole file is kept

"""Property tests: random bytes and Unicode never crash the readers, the redaction stage,
the extractors or the grounding check; every input is accounted for, in bounded time.

`deadline` is the bound per item (hypothesis fails an example that takes longer).
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callhandoff.extractors import extract_deterministic
from callhandoff.grounding import ground_handoff
from callhandoff.pipeline import process_stream
from callhandoff.readers import parse_text, read_file
from callhandoff.redaction.stage import redact_text, redact_transcript
from callhandoff.schema.enums import Destination
from callhandoff.schema.result import CallResult, Rejected
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.offline import OfflineBackend

BOUNDED = settings(max_examples=40, deadline=2_000, suppress_health_check=[HealthCheck.too_slow])
SPEECH = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=400
).filter(str.strip)
#: Speech that looks like calls: digits, number words, cue words, markup, any Unicode.
WORDS = st.sampled_from(
    "my card number is password pin otp code cvv four two oh double 4242 HH-100234 "
    "order refund ignore instructions system: <|im_start|> { } [ ] as in Charlie dot at "
    "gmail . , ? ! é ü 中 🙂 \u200b \t \n".split(" ")
)
CALL_SPEECH = st.one_of(SPEECH, st.lists(WORDS, min_size=1, max_size=60).map(" ".join)).filter(
    str.strip
)
SPEAKERS = st.sampled_from(["agent", "customer", "bot", "system"])
TURNS = st.lists(st.tuples(SPEAKERS, CALL_SPEECH), min_size=1, max_size=8)
NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def _transcript(turns: list[tuple[str, str]]) -> Transcript:
    return Transcript.model_validate(
        {
            "call_id": "p-1",
            "destination": "cloudcart",
            "turns": [{"speaker": who, "text": text} for who, text in turns],
        }
    )


@BOUNDED
@given(data=st.binary(max_size=2_000), suffix=st.sampled_from([".jsonl", ".json", ".txt", ".log"]))
def test_any_bytes_are_read_or_rejected_never_raised(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        items = list(read_file(path, default_destination=Destination.CLOUDCART, tz=UTC))
    assert items and all(isinstance(item, Transcript | Rejected) for item in items)
    if suffix == ".jsonl":  # every non-blank line is accounted for
        lines = [line for line in data.split(b"\n") if line.strip()]
        assert len(items) >= max(len(lines), 1)


@BOUNDED
@given(records=st.lists(st.one_of(st.text(max_size=300), TURNS.map(_transcript)), max_size=6))
def test_every_jsonl_record_comes_out_once_through_the_pipeline(
    records: list[str | Transcript],
) -> None:
    lines = [r.model_dump_json() if isinstance(r, Transcript) else json.dumps(r) for r in records]
    text = "\n".join(lines) + "\n"
    inputs = parse_text(text, name="p.jsonl", default_destination=Destination.CLOUDCART, tz=UTC)
    cfg = Settings()
    out = list(process_stream(inputs, OfflineBackend(cfg), cfg))
    assert len(out) == max(len(records), 1)
    assert all(isinstance(item, CallResult | Rejected) for item in out)


@BOUNDED
@given(text=st.text(max_size=1_000))
def test_plain_text_is_read_or_rejected(text: str) -> None:
    items = list(parse_text(text, name="p.txt", default_destination=Destination.CULTS, tz=UTC))
    assert len(items) == 1 and isinstance(items[0], Transcript | Rejected)


@BOUNDED
@given(turns=TURNS)
def test_redaction_never_raises_and_is_stable(turns: list[tuple[str, str]]) -> None:
    once = redact_transcript(_transcript(turns))
    assert len(once.turns) == len(turns)
    assert redact_transcript(once) == once
    redact_text("\n".join(text for _, text in turns))


@BOUNDED
@given(turns=TURNS)
def test_extractors_quote_only_what_the_turn_says(turns: list[tuple[str, str]]) -> None:
    transcript = redact_transcript(_transcript(turns))
    fields = extract_deterministic(transcript, reference=NOW, phone_regions=["US"])
    for name in ("order_ids", "phones", "emails", "names", "sensitive", "skus", "booking_ids"):
        for item in getattr(fields, name):
            assert item.evidence.quote in transcript.turns[item.evidence.turn].text


@BOUNDED
@given(turns=TURNS, quote=CALL_SPEECH, turn=st.integers(min_value=0, max_value=10))
def test_grounding_accounts_for_every_value(
    turns: list[tuple[str, str]], quote: str, turn: int
) -> None:
    transcript = _transcript(turns)
    handoff = OfflineBackend(Settings()).extract(transcript)
    data = handoff.model_dump(mode="json")
    data["caller"]["name"] = {
        "value": quote,
        "confidence": 0.9,
        "evidence": {"turn": turn, "quote": quote},
    }
    from callhandoff.schema.handoff import Handoff

    grounded = ground_handoff(Handoff.model_validate(data), transcript, fuzzy_threshold=90)
    kept = grounded.caller.name is not None
    dropped = [d for d in grounded.grounding.dropped if d.field == "caller.name"]
    assert kept != bool(dropped)  # kept, or dropped with a reason: never lost silently

"""Shared pieces of the readers: where a record came from, speaker names, metadata fields.

Record parsers raise `InputError(problem)` (with `line=` when they know a better line
than the record's own); the file layer adds the path and the record's line and turns it
into a `Rejected` holding the raw record, so the batch goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from callhandoff.exceptions import InputError
from callhandoff.schema.enums import Destination, Speaker
from callhandoff.schema.result import Rejected
from callhandoff.schema.transcript import Transcript

if TYPE_CHECKING:
    from callhandoff.settings import Settings

UNKNOWN_SPEAKER_HINT = "(use agent, customer, bot or system)"

DESTINATIONS: dict[str, Destination] = {item.value: item for item in Destination}

#: Native format: our own four names, case-insensitive.
NATIVE_SPEAKERS: dict[str, Speaker] = {speaker.value: speaker for speaker in Speaker}

#: Chat format (`role`): OpenAI-style and helpdesk names.
CHAT_SPEAKERS: dict[str, Speaker] = {
    **NATIVE_SPEAKERS,
    "user": Speaker.CUSTOMER,
    "customer": Speaker.CUSTOMER,
    "caller": Speaker.CUSTOMER,
    "human": Speaker.CUSTOMER,
    "assistant": Speaker.AGENT,
    "rep": Speaker.AGENT,
    "support": Speaker.AGENT,
}

#: ABCD format: `agent`, `customer`, and `action` (a system action the agent took).
ABCD_SPEAKERS: dict[str, Speaker] = {**CHAT_SPEAKERS, "action": Speaker.SYSTEM}

#: Plain text prefixes (`Agent: ...`). Note `assistant` is a bot here, an agent in chat.
PLAINTEXT_SPEAKERS: dict[str, Speaker] = {
    **NATIVE_SPEAKERS,
    "rep": Speaker.AGENT,
    "representative": Speaker.AGENT,
    "support": Speaker.AGENT,
    "caller": Speaker.CUSTOMER,
    "client": Speaker.CUSTOMER,
    "user": Speaker.CUSTOMER,
    "ivr": Speaker.BOT,
    "assistant": Speaker.BOT,
    "manager": Speaker.AGENT,
    "supervisor": Speaker.AGENT,
    "operator": Speaker.AGENT,
    "advisor": Speaker.AGENT,
    "robot": Speaker.BOT,
    "voicebot": Speaker.BOT,
    "chatbot": Speaker.BOT,
}

#: Words that may open a continuation line as a label ("Order ID: 4417", "Email: ...");
#: any other single capitalised word before a colon is an unknown speaker, not text.
PLAINTEXT_LABELS: frozenset[str] = frozenset(
    """order email e-mail phone address note notes sku ref reference tracking date time total
    ps id booking account name item items product price amount code""".split()
)


@dataclass(frozen=True)
class Limits:
    """How big one transcript may be; a bigger one is rejected with the limit named."""

    max_chars: int = 200_000
    max_turns: int = 2_000

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits the settings configure (`CALLHANDOFF_MAX_TRANSCRIPT_CHARS`, `..._TURNS`)."""
        return cls(max_chars=settings.max_transcript_chars, max_turns=settings.max_turns)

    def problem(self, turns: list[Any]) -> str | None:
        """Why a transcript with these turns is too big, or None."""
        if len(turns) > self.max_turns:
            return f"{len(turns):,} turns; the limit is {self.max_turns:,} (CALLHANDOFF_MAX_TURNS)"
        chars = sum(len(turn["text"]) for turn in turns if isinstance(turn, dict))
        if chars > self.max_chars:
            return (
                f"{chars:,} characters of speech; the limit is {self.max_chars:,} "
                "(CALLHANDOFF_MAX_TRANSCRIPT_CHARS)"
            )
        return None


@dataclass(frozen=True)
class Origin:
    """What every reader needs to know besides the text: the name, defaults and limits."""

    name: str
    default_destination: Destination
    tz: tzinfo
    limits: Limits = field(default_factory=Limits)

    @property
    def stem(self) -> str:
        """File name without suffix (`<stdin>` becomes `stdin`), for fallback call IDs."""
        return PurePath(self.name).stem.strip("<>") or "input"

    def reject(self, problem: str, line: int | None, raw: str) -> Rejected:
        """A `Rejected` located in this input, keeping `raw` verbatim."""
        return Rejected(path=self.name, line=line, problem=problem, raw=raw)

    def rejected_from(self, error: InputError, line: int | None, raw: str) -> Rejected:
        """Convert a record's `InputError`; its own line, when set, beats the record's."""
        return self.reject(error.problem, error.line if error.line is not None else line, raw)


def type_name(value: Any) -> str:
    """JSON's name for a value's type, for messages (`got a number`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def parse_speaker(value: Any, names: dict[str, Speaker], turn: int) -> Speaker:
    """Map a speaker/role name (case-insensitive) to `Speaker`; `turn` is 1-based."""
    if not isinstance(value, str):
        raise InputError(f"turn {turn}: speaker must be a string, got {type_name(value)}")
    speaker = names.get(value.strip().lower())
    if speaker is None:
        raise InputError(f"turn {turn}: unknown speaker {value!r} {UNKNOWN_SPEAKER_HINT}")
    return speaker


def parse_text_value(value: Any, turn: int, key: str = "text") -> str:
    """A turn's text: a non-blank string, kept verbatim."""
    if not isinstance(value, str):
        if value is None:
            raise InputError(f"turn {turn}: '{key}' is missing")
        raise InputError(f"turn {turn}: '{key}' must be a string, got {type_name(value)}")
    if not value.strip():
        raise InputError(f"turn {turn}: text is empty")
    return value


def parse_destination(value: Any, default: Destination) -> Destination:
    """`cloudcart` or `cults` (case-insensitive); missing or null means the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str):
        known = DESTINATIONS.get(value.strip().lower())
        if known is not None:
            return known
        raise InputError(f"destination {value!r} is not supported (use cloudcart or cults)")
    raise InputError(f"destination must be a string (cloudcart or cults), got {type_name(value)}")


def parse_started_at(value: Any, tz: tzinfo, key: str = "started_at") -> datetime | None:
    """An ISO 8601 date-time; a naive one is read in `tz`. Missing or null means None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{key} {value!r} is not an ISO 8601 date-time") from None
    else:
        raise InputError(f"{key} must be an ISO 8601 date-time string, got {type_name(value)}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def optional_str(value: Any, key: str) -> str | None:
    """A metadata string (`store`, `channel`, ...): numbers are accepted and stringified."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"'{key}' must be a string, got {type_name(value)}")
    text = str(value).strip()
    return text or None


def validate_transcript(data: dict[str, Any], limits: Limits) -> Transcript:
    """`Transcript.model_validate`, with pydantic's error turned into an `InputError`;
    a transcript beyond `limits` is an `InputError` too."""
    too_big = limits.problem(data["turns"])
    if too_big is not None:
        raise InputError(f"transcript too large: {too_big}")
    try:
        return Transcript.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """pydantic's first error as `turn 3: start: Input should be ... (got -1)`."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = list(first["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
        where = f"turn {loc[1] + 1}: "
        loc = loc[2:]
    field = ".".join(str(part) for part in loc)
    problem = f"{where}{field}: {first['msg']}" if field else f"{where}{first['msg']}"
    value = first.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        problem += f" (got {value!r})"
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more problems)"
    return problem

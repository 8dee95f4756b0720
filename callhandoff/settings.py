"""All configuration in one pydantic-settings object: env vars (`CALLHANDOFF_*`) and `.env`.

Nothing reads the environment anywhere else. Build one `Settings()` at the edge
(the CLI, a test) and pass it down; stages take plain arguments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from callhandoff.schema.enums import Destination

BackendName = Literal["auto", "offline", "openai", "hybrid"]


def hide_password(url: str) -> str:
    """`url` with any password replaced by `***`, for messages, reports and stored settings."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unreadable URL>"
    if password is None:  # also hide `user:secret@` in a URL too malformed to parse
        return re.sub(r"(?<=:)[^:@/\s]+(?=@)", "***", url)
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, ""))


_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^\s:/@]*:)[^\s@]+(?=@)")
_KEY_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?:'[^']*'|\"[^\"]*\"|\S+)", re.I)


def hide_passwords_in(text: str, *urls: str | None) -> str:
    """`text` (an error message, a driver's exception) with every password hidden.

    The passwords of `urls` are replaced wherever they appear, and so is any
    `scheme://user:password@` or `password=...` written in the text itself.
    """
    for url in urls:
        try:
            password = urlsplit(url).password if url else None
        except ValueError:
            password = None
        if password:
            text = text.replace(password, "***")
    text = _URL_PASSWORD.sub(r"\g<head>***", text)
    return _KEY_PASSWORD.sub(r"\g<head>***", text)


InstructorModeName = Literal["tools", "json_schema", "json"]
ProviderName = Literal["auto", "openai", "azure", "vllm", "ollama", "llamacpp", "other"]  # LLM


class Settings(BaseSettings):
    """Every knob callhandoff has. Each field is also `CALLHANDOFF_<NAME>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="CALLHANDOFF_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- where things live -------------------------------------------------------
    data_dir: Path = Field(
        default=Path(".callhandoff"),
        description="Project data directory: the SQLite store, the LLM cache, eval runs.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default sqlite:///<data_dir>/callhandoff.db.",
    )

    # --- input -----------------------------------------------------------------
    default_destination: Destination = Field(
        default=Destination.CLOUDCART,
        description="Destination for transcripts that do not name one (chat and ABCD formats).",
    )
    timezone: str = Field(
        default="UTC", description="Zone applied to naive timestamps and to deadline resolution."
    )

    phone_regions: Annotated[list[str], NoDecode] = Field(
        default=["US", "IN", "GB"],
        description="Regions tried, in order, for phone numbers said without a country code "
        "(`US,GB` or a JSON list).",
    )

    # --- extraction backend ----------------------------------------------------------
    backend: BackendName = Field(
        default="auto",
        description="auto = openai when CALLHANDOFF_BASE_URL is set, else offline; hybrid = "
        "exact extractors and the classifier with the model reading the call.",
    )
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint.")
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CALLHANDOFF_API_KEY", "OPENAI_API_KEY", "api_key"),
    )
    model: str = "gpt-4o-mini"
    mode: InstructorModeName | None = Field(
        default=None, description="instructor mode; default chosen per provider."
    )
    prompt: str | None = Field(
        default=None,
        description="Prompt id under summarizer/prompts/ or a path to a prompt file; "
        "default per backend (openai: handoff-v2, hybrid: hybrid-v2).",
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, description="Re-asks on invalid model output.")
    transport_retries: int = Field(default=4, ge=0, description="Retries on 429/5xx/timeouts.")
    concurrency: int = Field(default=8, ge=1)
    max_tokens_per_call: int = Field(default=12_000, gt=0, description="Per-call token budget.")
    context_tokens: int = Field(default=8_000, gt=0, description="Transcript budget in tokens.")
    cost_ceiling_usd: float | None = Field(default=None, gt=0, description="Per-run ceiling.")
    use_cache: bool = True
    redact_contacts: bool = Field(
        default=False,
        description="Send the model [email 1], [phone 1], [name 1] instead of the caller's "
        "e-mails, phones and names (mapped back in its answer); LLM backend only.",
    )

    classifier_path: Path | None = Field(
        default=None,
        description="Folder of a retrained offline classifier (meta.json + weights.npz); "
        "default: the one shipped in the package.",
    )

    # --- grounding -----------------------------------------------------------------
    grounding_fuzzy_threshold: float = Field(
        default=90.0,
        ge=0.0,
        le=100.0,
        description="Minimum partial-ratio similarity (0-100) for a quote that is not verbatim.",
    )

    # --- routing ---------------------------------------------------------------------
    policy_path: Path | None = Field(default=None, description="YAML policy; embedded default.")
    cloudcart_url: str | None = Field(default=None, description="Cloudcart API base URL.")
    cults_url: str | None = Field(default=None, description="Cults API base URL.")
    destination_token: SecretStr | None = None
    delivery_max_attempts: int = Field(
        default=15, ge=1, description="Attempts before a row is dead (the backoff spans hours)."
    )

    # --- LLM backend extras (callhandoff/summarizer/llm_backend.py) -------------------
    provider: ProviderName = Field(
        default="auto",
        description="Which server the base URL is (picks the default instructor mode); "
        "auto guesses from the URL.",
    )
    azure_api_version: str | None = Field(
        default=None,
        description="Azure OpenAI api-version; when set the Azure client (api-key header) is used.",
    )
    max_completion_tokens: int = Field(
        default=1_024, gt=0, description="Cap on the model's answer per attempt (max_tokens)."
    )
    retry_backoff_s: float = Field(
        default=0.5, ge=0.0, description="First transport-retry delay; doubles, full jitter."
    )
    retry_backoff_max_s: float = Field(
        default=30.0, ge=0.0, description="Longest wait between transport retries."
    )
    price_input_per_mtok: float | None = Field(
        default=None, ge=0.0, description="USD per 1M prompt tokens; default from the cost table."
    )
    price_output_per_mtok: float | None = Field(
        default=None, ge=0.0, description="USD per 1M completion tokens; default from the table."
    )
    max_run_tokens: int | None = Field(
        default=None,
        gt=0,
        description="Per-run token limit (prompt + completion); the remaining calls are left "
        "pending and a re-run continues with them.",
    )
    extra_body: dict[str, Any] | None = Field(
        default=None,
        description="Extra fields sent with every chat request (JSON), e.g. "
        '{"repeat_penalty": 1.0} for llama.cpp.',
    )
    hybrid_classifier_trust: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="hybrid: the classifier's label stands against the model's when its "
        "calibrated confidence is at least this (1.0: the model always wins).",
    )
    llm_record: Path | None = Field(
        default=None,
        description="Write every model exchange of the run to this file (JSONL, .gz ok).",
    )
    llm_replay: Path | None = Field(
        default=None,
        description="Answer model requests from this recording: no server, no key, no cost.",
    )
    # --- end of LLM backend extras ------------------------------------------------------

    # --- routing & delivery extras (callhandoff/routing/) --------------------------------
    delivery_backoff_s: float = Field(
        default=30.0,
        ge=0.0,
        description="First delay before re-sending an outbox row; doubles, with full jitter.",
    )
    delivery_backoff_max_s: float = Field(
        default=3_600.0, ge=0.0, description="Longest wait between two delivery attempts."
    )
    delivery_timeout_s: float = Field(
        default=10.0, gt=0, description="HTTP timeout of one delivery request."
    )
    # --- end of routing & delivery extras -------------------------------------------------

    # --- hardening: transcript limits, phone regions (callhandoff/readers/common.py) ----------
    max_transcript_chars: int = Field(
        default=200_000,
        gt=0,
        description="A transcript with more characters of speech is rejected (a two-hour call "
        "is about 100,000).",
    )
    max_turns: int = Field(
        default=2_000, gt=0, description="A transcript with more turns is rejected."
    )

    @field_validator("phone_regions", mode="before")
    @classmethod
    def _regions_list(cls, value: Any) -> Any:
        """`US,GB`, `["US", "GB"]` or a list: region codes, upper-cased."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                try:
                    value = json.loads(text)
                except ValueError as exc:
                    raise ValueError(f"not a JSON list of region codes: {text!r}") from exc
            else:
                value = [part for part in re.split(r"[\s,]+", text) if part]
        if isinstance(value, list):
            return [str(item).strip().upper() for item in value]
        return value

    # --- end of hardening ---------------------------------------------------------------------
    # --- reviewer app (callhandoff/review/, callhandoff/ui/) ------------------------------
    review_claim_minutes: float = Field(
        default=10.0, gt=0, description="How long opening an item holds it for one reviewer."
    )
    review_page_size: int = Field(
        default=50, ge=5, le=500, description="Rows per page of the review queue."
    )
    review_correction_target: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="Correction rate the agreement page finds a confidence threshold for.",
    )
    review_min_values: int = Field(
        default=20,
        ge=1,
        description="Reviewed values a confidence threshold needs before the page trusts it.",
    )
    # --- end of reviewer app ----------------------------------------------------------------
    # --- service, scale-out and delivery at scale (callhandoff/service/) ----------------
    service_host: str = Field(default="127.0.0.1", description="`callhandoff serve` address.")
    service_port: int = Field(default=8000, ge=0, le=65535, description="`serve` port.")
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Standard Webhooks signing secret, `whsec_<base64>`; `serve` needs it.",
    )
    webhook_tolerance_s: int = Field(
        default=300, ge=1, description="Oldest (and furthest ahead) webhook-timestamp accepted."
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1_024, description="Largest webhook body accepted (413 above)."
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker (redis://...); with it `serve --no-worker` enqueues tasks.",
    )
    service_workers: int = Field(
        default=1, ge=1, description="Worker threads of the embedded `serve` (one per backend)."
    )
    service_batch_size: int = Field(
        default=32, ge=1, description="Calls one embedded worker claims and routes at once."
    )
    service_lease_s: float = Field(
        default=300.0, gt=0, description="How long a claimed call stays with its worker."
    )
    service_max_attempts: int = Field(
        default=5, ge=1, description="Tries of one call (worker crashes included) before failed."
    )
    service_sweep_interval_s: float = Field(
        default=30.0, gt=0, description="How often unpublished or orphaned calls are re-enqueued."
    )
    service_republish_after_s: float = Field(
        default=300.0, gt=0, description="A received call not started this long is re-enqueued."
    )
    delivery_lease_s: float = Field(
        default=60.0, gt=0, description="How long a claimed outbox row stays with its deliverer."
    )
    delivery_claim_batch: int = Field(
        default=20, ge=1, description="Outbox rows a deliverer claims at once."
    )
    delivery_poll_s: float = Field(
        default=1.0, gt=0, description="`deliver --follow`: wait when nothing is due."
    )
    breaker_threshold: int = Field(
        default=5, ge=1, description="Failures in a row that pause a destination."
    )
    breaker_cooldown_s: float = Field(
        default=30.0, gt=0, description="First pause of a failing destination; doubles."
    )
    breaker_cooldown_max_s: float = Field(
        default=600.0, gt=0, description="Longest pause of a failing destination."
    )
    batch_poll_s: float = Field(
        default=30.0, gt=0, description="`process --batch-api`: wait between status checks."
    )
    # --- end of service, scale-out and delivery at scale ---------------------------------

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as UTC)") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone as a tzinfo."""
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        """The store URL, defaulting to SQLite inside the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'callhandoff.db'}"

    @property
    def store_label(self) -> str:
        """The store URL as it may be shown: password hidden, SQLite paths made absolute."""
        url = self.resolved_database_url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                return f"sqlite:///{Path(path).resolve()}"
        return hide_password(url)

    @property
    def resolved_backend(self) -> Literal["offline", "openai", "hybrid"]:
        """`offline` unless an endpoint is configured (or a backend is forced).

        An `OPENAI_API_KEY` alone does not switch backends: spending money is opt-in.
        """
        if self.backend != "auto":
            return self.backend
        if self.base_url:
            return "openai"
        return "offline"

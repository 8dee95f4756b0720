"""The LLM backend: any OpenAI-compatible endpoint through instructor, many calls at once.

`extract_many` runs an asyncio loop in the caller's thread. It reads ahead at
most 2 x concurrency transcripts (memory stays flat on any batch size), runs at
most `concurrency` model calls at a time, and yields the handoffs in input order.
Each finished call is written to the cache at once, so a crashed run, started
again, answers its finished items from the cache and sends only the rest.

Each call keeps every valid field of the model's answer and re-asks only for the
fields that failed (extraction.py); what is still missing is filled from the
extractors. Nothing raises for a single call: when nothing usable came back
(model, transport or per-call budget failure), the handoff carries
`meta.fallback_reason` and the deterministic fields, so the policy sends it to
review with the ids a reviewer needs. A call the run's budget (`--max-cost`,
`--max-tokens`) stopped before it was sent is left pending (`meta.pending`), not
failed, and not cached: the next run sends it.

`HybridBackend` (hybrid.py) is this backend with a smaller question: the model
reads the call's meaning, the extractors and the classifier supply the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2
import openai

from callhandoff.exceptions import (
    BudgetExceededError,
    ConfigError,
    TransportError,
    UserError,
)
from callhandoff.extractors.fields import DeterministicFields
from callhandoff.redaction.placeholders import HiddenContacts, hide_contacts
from callhandoff.schema.handoff import ExtractionMeta, Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.settings import Settings
from callhandoff.summarizer.budget import Ledger, RunMeter
from callhandoff.summarizer.cache import LLMCache, key_for_transcript, key_prefix, schema_hash
from callhandoff.summarizer.call import CallSpec, ModelCaller
from callhandoff.summarizer.cross_check import DeterministicLike, Extractor, default_extractor
from callhandoff.summarizer.extraction import Outcome, extract_fields
from callhandoff.summarizer.mapping import fallback_handoff, to_handoff
from callhandoff.summarizer.messages import build_messages
from callhandoff.summarizer.prompts import load_prompt
from callhandoff.summarizer.providers import OPENAI_BASE_URL, resolved_mode
from callhandoff.summarizer.recording import REQUEST_SETTINGS, RecordingTransport, ReplayTransport
from callhandoff.summarizer.response_model import CallExtraction, LeanSchema
from callhandoff.summarizer.salvage import Salvage
from callhandoff.summarizer.tokens import encoding_for_model, price_for
from callhandoff.summarizer.transport import (
    RetryPolicy,
    Sleep,
    build_http_client,
    default_transport,
)

log = logging.getLogger("callhandoff.llm")

BACKEND_NAME = "openai"
MAPPING_VERSION = "llm-mapping-2"
NO_KEY = "not-needed"
DEFAULT_PROMPT = "handoff-v2"


@dataclass(frozen=True)
class Prepared:
    """What the code knows of a call before the model is asked."""

    fields: DeterministicLike | None
    base: Handoff | None = None


class _Run:
    """Per-run state: the client (made on the first cache miss), the meter, the semaphore."""

    def __init__(self, backend: LLMBackend):
        self.backend = backend
        self.meter = RunMeter(backend.settings.cost_ceiling_usd, backend.settings.max_run_tokens)
        self.semaphore = asyncio.Semaphore(backend.settings.concurrency)
        self.client: openai.AsyncOpenAI | None = None
        self.caller: ModelCaller | None = None

    def model_caller(self) -> ModelCaller:
        if self.caller is None:
            self.client = self.backend.make_client()
            self.caller = ModelCaller(
                self.client,
                self.backend.spec,
                encoding_for_model(self.backend.settings.model),
                self.backend.price,
                self.meter,
            )
        return self.caller

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.close()


class LLMBackend:
    """ExtractionBackend over an OpenAI-compatible endpoint (see module docstring)."""

    name = BACKEND_NAME
    response_model: type[LeanSchema] = CallExtraction
    default_prompt = DEFAULT_PROMPT
    mapping_version = MAPPING_VERSION

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        extractor: Extractor | None = None,
        rng: random.Random | None = None,
    ):
        _quiet_instructor_logs()
        self.settings = settings
        self.provider, self.mode = resolved_mode(settings)
        self.base_url = settings.base_url or OPENAI_BASE_URL
        self.prompt = load_prompt(settings.prompt or self.default_prompt)
        self.spec = CallSpec.from_settings(settings, self.mode, self.base_url, self.provider)
        self.price = price_for(
            settings.model,
            input_override=settings.price_input_per_mtok,
            output_override=settings.price_output_per_mtok,
        )
        self.schema_hash = schema_hash(
            self.response_model.model_json_schema(), f"{self.name}:{self.mapping_version}"
        )
        self._transport = transport
        self._sleep = sleep or asyncio.sleep
        self._rng = rng
        self._extractor = extractor
        self.replaying = settings.llm_replay is not None
        self._cache = LLMCache.in_data_dir(
            settings.data_dir, read=settings.use_cache and not self.replaying
        )
        self._key_settings = {
            "base_url": self.base_url,
            "mode": self.mode,
            "temperature": settings.temperature,
            "max_retries": settings.max_retries,
            "context_tokens": settings.context_tokens,
            "max_completion_tokens": settings.max_completion_tokens,
            "fuzzy_threshold": settings.grounding_fuzzy_threshold,
            "phone_regions": list(settings.phone_regions),
            "provider": self.provider,
            "extra_body": dict(self.spec.extra_body),
        }
        if settings.redact_contacts:  # a different request: a different cache entry
            self._key_settings["redact_contacts"] = True
        self._key_prefix = key_prefix(
            model=settings.model,
            prompt_hash=self.prompt.sha256,
            schema_hash=self.schema_hash,
            settings=self._key_settings,
        )

    # ------------------------------------------------------------------ plumbing
    def _inner_transport(self) -> httpx2.AsyncBaseTransport | None:
        """The injected transport, wrapped to record, or the replay of a recording."""
        settings = self.settings
        if settings.llm_replay is not None:
            return ReplayTransport(settings.llm_replay)
        if settings.llm_record is None:
            return self._transport
        header = {name: getattr(settings, name, None) for name in REQUEST_SETTINGS}
        header.update(
            backend=self.name,
            base_url=self.base_url,
            provider=self.provider,
            mode=self.mode,
            prompt=settings.prompt or self.default_prompt,
            prompt_sha256=self.prompt.sha256,
            extra_body=dict(self.spec.extra_body) or None,
        )
        inner = self._transport or default_transport(settings.concurrency)
        return RecordingTransport(
            inner, settings.llm_record, json.loads(json.dumps(header, default=str))
        )

    def api_key(self) -> str | None:
        """The key to send; a `ConfigError` when the provider needs one and none is set."""
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else None
        if key is None and self.provider in ("openai", "azure") and not self.replaying:
            raise ConfigError(
                f"no API key for {self.base_url}: set CALLHANDOFF_API_KEY or OPENAI_API_KEY "
                "(in the environment or .env)"
            )
        return key

    def make_client(self) -> openai.AsyncOpenAI:
        """The OpenAI (or Azure) async client over the retrying transport."""
        key = self.api_key()
        http_client = build_http_client(
            policy=RetryPolicy(
                retries=self.settings.transport_retries,
                backoff_s=self.settings.retry_backoff_s,
                backoff_max_s=self.settings.retry_backoff_max_s,
            ),
            timeout_s=self.settings.timeout_s,
            max_connections=self.settings.concurrency,
            inner=self._inner_transport(),
            sleep=self._sleep,
            rng=self._rng,
        )
        common: dict[str, Any] = {
            "api_key": key or NO_KEY,
            "max_retries": 0,
            "timeout": self.settings.timeout_s,
            "http_client": http_client,
        }
        if self.settings.azure_api_version:
            return openai.AsyncAzureOpenAI(
                azure_endpoint=self.base_url, api_version=self.settings.azure_api_version, **common
            )
        return openai.AsyncOpenAI(base_url=self.base_url, **common)

    def key_for(self, transcript: Transcript, transcript_hash: str | None = None) -> str:
        """The cache key of `transcript` under this backend's model, prompt and settings."""
        return key_for_transcript(self._key_prefix, transcript_hash or transcript.content_hash())

    def _prepare(self, transcript: Transcript) -> Prepared:
        """What the code knows of the call before the model is asked."""
        return Prepared(self._deterministic(transcript))

    def _deterministic(self, transcript: Transcript) -> DeterministicLike | None:
        if self._extractor is None:
            self._extractor = default_extractor(list(self.settings.phone_regions))
        try:
            return self._extractor(transcript)
        except Exception:  # a bug in one extractor must not lose the call
            log.exception("deterministic extractors failed on %s", transcript.call_id)
            return None

    def shown(self, transcript: Transcript) -> HiddenContacts:
        """The call with the caller's contact details as placeholders when
        `redact_contacts` is on (`HiddenContacts.restore` maps the answer back)."""
        if not self.settings.redact_contacts:
            return HiddenContacts.as_is(transcript)
        return hide_contacts(transcript, self.settings.phone_regions)

    def cached(self, key: str) -> Handoff | None:
        """The handoff stored under `key` in the LLM cache, if any."""
        return self._cache.get(key)

    def remember(self, key: str, handoff: Handoff, transcript_hash: str) -> None:
        """Store `handoff` under `key` in the LLM cache."""
        self._cache.put(key, handoff, transcript_hash=transcript_hash)

    def answered(
        self, found: Salvage, transcript: Transcript, ledger: Ledger, started: float
    ) -> Handoff:
        """The handoff for an answer checked field by field (`found`), as a live call makes it."""
        meta = self._meta(ledger, started)
        return self._assemble(found, transcript, self._prepare(transcript), meta)

    def _meta(self, ledger: Ledger, started: float, **extra: Any) -> ExtractionMeta:
        return ExtractionMeta(
            backend=self.name,
            model=self.settings.model,
            prompt_id=self.prompt.id,
            prompt_hash=self.prompt.sha256,
            attempts=ledger.attempts,
            prompt_tokens=ledger.prompt_tokens,
            completion_tokens=ledger.completion_tokens,
            cost_usd=round(ledger.cost_usd, 8),
            latency_ms=round((time.perf_counter() - started) * 1000, 3),
            created_at=datetime.now(UTC),
            replayed=self.replaying,
            **extra,
        )

    # ------------------------------------------------------------------ one call
    async def _extract_one(
        self, transcript: Transcript, key: str, transcript_hash: str, run: _Run
    ) -> Handoff:
        started = time.perf_counter()
        try:
            return await self._attempt(transcript, key, transcript_hash, run)
        except (UserError, asyncio.CancelledError):
            raise
        except Exception as exc:  # a bug on one call must not stop the batch
            log.exception("LLM extraction of %s failed", transcript.call_id)
            meta = self._meta(Ledger(), started, fallback_reason=f"internal error: {exc!r}")
            return fallback_handoff(transcript, None, meta)

    async def _attempt(
        self, transcript: Transcript, key: str, transcript_hash: str, run: _Run
    ) -> Handoff:
        async with run.semaphore:
            started = time.perf_counter()  # latency: the call itself, not the queue
            prepared = self._prepare(transcript)
            caller = run.model_caller()
            shown = self.shown(transcript)  # the call as the model may see it
            built = build_messages(
                shown.transcript, self.prompt, caller.encoding, self.settings.context_tokens
            )
            outcome = await extract_fields(
                caller,
                built.messages,
                self.response_model,
                turns=[turn.text for turn in shown.transcript.turns],
                fuzzy_threshold=self.settings.grounding_fuzzy_threshold,
                reask=built.reask,
                max_reasks=self.settings.max_retries,
            )
            outcome.salvage.values = shown.restore_values(outcome.salvage.values)
        meta = self._meta(
            outcome.ledger, started, truncation=built.truncation, reasked=outcome.reasked
        )
        if outcome.pending:
            return self._pending(transcript, prepared, meta, outcome)
        if not outcome.salvage.usable():
            failure = outcome.failure()
            meta = meta.model_copy(update={"fallback_reason": str(failure)})
            handoff = self._fallback(transcript, prepared, meta)
        else:
            handoff = self._assemble(outcome.salvage, transcript, prepared, meta)
        if isinstance(outcome.error, TransportError | BudgetExceededError) or self.replaying:
            return handoff  # transient, run-level or replayed: not cached
        self._cache.put(key, handoff, transcript_hash=transcript_hash)
        return handoff

    def _pending(
        self, transcript: Transcript, prepared: Prepared, meta: ExtractionMeta, outcome: Outcome
    ) -> Handoff:
        """A call the run's budget stopped before it was sent: nothing failed, nothing cached."""
        note = str(outcome.error) if outcome.error is not None else "the run's budget was reached"
        pending = meta.model_copy(update={"pending": True, "fallback_reason": note})
        return fallback_handoff(transcript, prepared.fields, pending)

    def _fallback(
        self, transcript: Transcript, prepared: Prepared, meta: ExtractionMeta
    ) -> Handoff:
        """What a call with nothing usable from the model becomes (see mapping.fallback_handoff)."""
        return fallback_handoff(transcript, prepared.fields, meta)

    def _assemble(
        self, found: Salvage, transcript: Transcript, prepared: Prepared, meta: ExtractionMeta
    ) -> Handoff:
        fields = prepared.fields
        if fields is None:
            meta = meta.model_copy(
                update={"disagreements": ["extractors failed: ids were not cross-checked"]}
            )
        return to_handoff(
            found,
            transcript,
            fields if fields is not None else DeterministicFields(),
            meta,
            phone_regions=self.settings.phone_regions,
            fuzzy_threshold=self.settings.grounding_fuzzy_threshold,
        )

    # ------------------------------------------------------------------ batches
    def extract_many(self, transcripts: Iterable[Transcript]) -> Iterator[Handoff]:
        """One handoff per transcript, in input order, `concurrency` model calls at a time."""
        loop = asyncio.new_event_loop()
        run: _Run | None = None
        window: deque[Handoff | asyncio.Task[Handoff]] = deque()
        limit = max(2 * self.settings.concurrency, 2)
        try:
            for transcript in transcripts:
                transcript_hash = transcript.content_hash()
                key = self.key_for(transcript, transcript_hash)
                cached = self._cache.get(key)
                if cached is not None:
                    window.append(cached)
                else:
                    if run is None:
                        run = loop.run_until_complete(_new_run(self))
                    work = self._extract_one(transcript, key, transcript_hash, run)
                    window.append(loop.create_task(work))
                while window and (len(window) >= limit or _ready(window[0])):
                    yield _result(loop, window.popleft())
            while window:
                yield _result(loop, window.popleft())
        finally:
            pending = [item for item in window if isinstance(item, asyncio.Task)]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            if run is not None:
                loop.run_until_complete(run.aclose())
            loop.close()

    def extract(self, transcript: Transcript) -> Handoff:
        """The handoff for a single transcript."""
        return next(iter(self.extract_many([transcript])))

    def close(self) -> None:
        """Close the cache database."""
        self._cache.close()


def _quiet_instructor_logs() -> None:
    """instructor logs every failed attempt at ERROR; we report them in the handoff instead.

    A NullHandler keeps Python's last-resort handler from printing them when the
    application configured no logging; configured handlers still receive them.
    """
    logger = logging.getLogger("instructor")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


async def _new_run(backend: LLMBackend) -> _Run:
    return _Run(backend)  # built inside the loop so its semaphore binds to it


def _ready(item: Handoff | asyncio.Task[Handoff]) -> bool:
    return not isinstance(item, asyncio.Task) or item.done()


def _result(loop: asyncio.AbstractEventLoop, item: Handoff | asyncio.Task[Handoff]) -> Handoff:
    if isinstance(item, asyncio.Task):
        return loop.run_until_complete(item)
    return item

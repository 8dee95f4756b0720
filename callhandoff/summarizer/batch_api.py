"""Bulk back-fills through the OpenAI Batch API, at half the price of live calls.

`BatchBackfill.run(transcripts)` sends every transcript the LLM cache does not
answer yet as one line of a JSONL file (`custom_id` = the cache key, `body` =
exactly the chat request the live backend sends: the same messages and the same
instructor mode), creates a batch on `/v1/chat/completions`, polls it, and maps
each answer back by its custom id: parsed and validated as the live backend does
it, mapped to a handoff, and written to the LLM cache. `callhandoff process` then
runs as usual and every batched call is a cache hit; an item the batch could not
answer is simply a miss and goes to the live endpoint (with its re-asks).

A batch in flight is recorded in `<data_dir>/batches/<batch id>.json` the moment
it is created; a back-fill started again after a crash resumes that batch
instead of paying for a second one (or give `--batch-id`).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion

from callhandoff.exceptions import ConfigError, TransportError
from callhandoff.schema.handoff import Handoff
from callhandoff.schema.transcript import Transcript
from callhandoff.summarizer.budget import Ledger
from callhandoff.summarizer.call import (
    completion_text,
    instructor_mode,
    prepared_response_model,
    repair_control_characters,
)
from callhandoff.summarizer.llm_backend import NO_KEY, LLMBackend
from callhandoff.summarizer.messages import build_messages
from callhandoff.summarizer.salvage import parse_answer, salvage_answer
from callhandoff.summarizer.tokens import encoding_for_model

log = logging.getLogger("callhandoff.llm")

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # the Batch API bills half the live price
MAX_REQUESTS = 50_000  # per batch, the API's limit
FINAL = {"completed", "failed", "expired", "cancelled"}


@dataclass
class BackfillReport:
    """What a back-fill did."""

    batches: list[str] = field(default_factory=list)
    sent: int = 0
    answered: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # call id -> why
    already_cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class BatchBackfill:
    """Runs the live backend's requests through the Batch API and fills its cache."""

    def __init__(
        self,
        backend: LLMBackend,
        *,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], object] = time.sleep,
        on_status: Callable[[str, str, dict[str, int]], None] | None = None,
    ):
        self.backend = backend
        self.settings = backend.settings
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else None
        if key is None and backend.provider in ("openai", "azure"):
            raise ConfigError("the Batch API needs CALLHANDOFF_API_KEY or OPENAI_API_KEY")
        self.client = client or openai.OpenAI(
            base_url=backend.base_url,
            api_key=key or NO_KEY,
            timeout=self.settings.timeout_s,
            max_retries=self.settings.transport_retries,
        )
        self.sleep = sleep
        self.on_status = on_status
        self.encoding = encoding_for_model(self.settings.model)
        self.folder = self.settings.data_dir / "batches"

    # ------------------------------------------------------------------ requests
    def request_body(self, transcript: Transcript) -> dict[str, Any]:
        """The chat request for one call, as the live backend builds it."""
        from instructor.v2.core.response import handle_response_model

        spec = self.backend.spec
        built = build_messages(
            self.backend.shown(transcript).transcript,
            self.backend.prompt,
            self.encoding,
            self.settings.context_tokens,
        )
        _, kwargs = handle_response_model(
            prepared_response_model(self.backend.response_model),
            mode=instructor_mode(spec.mode),
            messages=built.messages,
            model=spec.model,
            temperature=spec.temperature,
            max_tokens=spec.max_completion_tokens,
        )
        return dict(kwargs)

    # ------------------------------------------------------------------ the run
    def run(self, transcripts: Iterable[Transcript], batch_id: str | None = None) -> BackfillReport:
        """Back-fill every transcript the cache does not answer; resumes batches in flight."""
        report = BackfillReport()
        waiting: dict[str, Transcript] = {}
        for transcript in transcripts:
            key = self.backend.key_for(transcript)
            if self.backend.cached(key) is not None:
                report.already_cached += 1
            else:
                waiting[key] = transcript
        resumed = [batch_id] if batch_id else self._in_flight(set(waiting))
        for existing in resumed:
            self._finish(existing, waiting, report)
        keys = list(waiting)
        for start in range(0, len(keys), MAX_REQUESTS):
            chunk = {k: waiting[k] for k in keys[start : start + MAX_REQUESTS]}
            self._finish(self._create(chunk, report), chunk, report)
        return report

    def _state_path(self, batch_id: str) -> Path:
        return self.folder / f"{batch_id}.json"

    def _in_flight(self, keys: set[str]) -> list[str]:
        """Recorded batches not applied yet that hold some of these calls."""
        found = []
        for path in sorted(self.folder.glob("batch*.json")) if self.folder.is_dir() else []:
            state = json.loads(path.read_text(encoding="utf-8"))
            if not state.get("applied") and keys & set(state.get("custom_ids", [])):
                found.append(str(state["batch_id"]))
        return found

    def _create(self, chunk: dict[str, Transcript], report: BackfillReport) -> str:
        lines = io.BytesIO()
        for key, transcript in chunk.items():
            line = {"custom_id": key, "method": "POST", "url": ENDPOINT}
            line["body"] = self.request_body(transcript)  # type: ignore[assignment]
            lines.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
        try:
            uploaded = self.client.files.create(
                file=("backfill.jsonl", lines.getvalue()), purpose="batch"
            )
            batch = self.client.batches.create(
                input_file_id=uploaded.id,
                endpoint=ENDPOINT,
                completion_window="24h",
                metadata={"source": "callhandoff process --batch-api"},
            )
        except openai.APIError as exc:
            raise TransportError(f"the Batch API refused the back-fill: {exc}", attempts=1) from exc
        self.folder.mkdir(parents=True, exist_ok=True)
        self._state_path(batch.id).write_text(
            json.dumps(
                {
                    "batch_id": batch.id,
                    "input_file_id": uploaded.id,
                    "custom_ids": list(chunk),
                    "applied": False,
                }
            ),
            encoding="utf-8",
        )
        report.sent += len(chunk)
        return batch.id

    def _finish(
        self, batch_id: str, waiting: dict[str, Transcript], report: BackfillReport
    ) -> None:
        """Poll the batch to its end and cache every answer it has for `waiting`."""
        while True:
            try:
                batch = self.client.batches.retrieve(batch_id)
            except openai.APIError as exc:
                raise TransportError(f"cannot read batch {batch_id}: {exc}", attempts=1) from exc
            counts = batch.request_counts.model_dump() if batch.request_counts else {}
            if self.on_status is not None:
                self.on_status(batch_id, batch.status, counts)
            if batch.status in FINAL:
                break
            self.sleep(self.settings.batch_poll_s)
        report.batches.append(batch_id)
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                text = self.client.files.content(file_id).text
                for line in text.splitlines():
                    if line.strip():
                        self._apply(json.loads(line), waiting, report)
        state_path = self._state_path(batch_id)
        if state_path.is_file():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            state["applied"] = True
            state["status"] = batch.status
            state_path.write_text(json.dumps(state), encoding="utf-8")

    # ------------------------------------------------------------------ answers
    def _apply(
        self, line: dict[str, Any], waiting: dict[str, Transcript], report: BackfillReport
    ) -> None:
        key = str(line.get("custom_id"))
        transcript = waiting.pop(key, None)
        if transcript is None:
            return  # answered already, or the inputs changed since the batch was sent
        response = line.get("response") or {}
        if line.get("error") or int(response.get("status_code", 0)) != 200:
            error = line.get("error") or response.get("body", {}).get("error", {})
            report.failed[transcript.call_id] = f"batch request failed: {error}"
            return
        handoff = self.handoff(transcript, response["body"], report)
        if handoff is not None:
            self.backend.remember(key, handoff, transcript.content_hash())
            report.answered += 1

    def handoff(
        self, transcript: Transcript, body: dict[str, Any], report: BackfillReport
    ) -> Handoff | None:
        """The handoff for one answered request, checked field by field as the live backend does.

        An answer with a field that failed (or nothing usable) is left out of the
        cache (None): the live backend asks for that call again when `process` runs.
        """
        started = time.perf_counter()
        completion = ChatCompletion.model_validate(body)
        repair_control_characters(completion)
        usage = completion.usage
        ledger = Ledger(
            attempts=1,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
        ledger.cost_usd = BATCH_DISCOUNT * self.backend.price.cost(
            ledger.prompt_tokens, ledger.completion_tokens
        )
        report.prompt_tokens += ledger.prompt_tokens
        report.completion_tokens += ledger.completion_tokens
        report.cost_usd += ledger.cost_usd
        model = self.backend.response_model
        shown = self.backend.shown(transcript)  # the call as the request showed it
        data = parse_answer(completion_text(completion))
        found = (
            None
            if data is None
            else salvage_answer(
                data,
                model,
                [turn.text for turn in shown.transcript.turns],
                self.settings.grounding_fuzzy_threshold,
            )
        )
        failed = (
            ["answer: no JSON object"]
            if found is None
            else found.problem_lines(found.failed(model))
        )
        if found is None or failed:
            reason = "; ".join(failed)[:400]
            report.failed[transcript.call_id] = f"answer did not validate: {reason}"
            log.info("batch answer for %s did not validate: %s", transcript.call_id, reason)
            return None
        found.values = shown.restore_values(found.values)
        return self.backend.answered(found, transcript, ledger, started)

"""One model extraction through instructor: budgets, token accounting and error mapping.

Every HTTP attempt instructor makes (the first ask and each re-ask after a
validation error) goes through `ModelCaller._send`, which
- counts the prompt with tiktoken before sending, and refuses the attempt when the
  per-call token budget (summed over all attempts) or the run's cost ceiling
  would be exceeded;
- caps the answer with `max_tokens` so the budget holds;
- adds the usage the server reports to the call's ledger and the run's meter.

Failures come back as values, not exceptions: a `ModelOutputError`,
`TransportError` or `BudgetExceededError` with a message fit for a reviewer.
Only configuration problems (bad key, unknown model) raise, since every call
would fail the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import openai
import tiktoken
from pydantic import ValidationError

from callhandoff.exceptions import (
    BackendError,
    BudgetExceededError,
    ConfigError,
    ModelOutputError,
    TransportError,
)
from callhandoff.settings import InstructorModeName, Settings
from callhandoff.summarizer.response_model import CallExtraction, validating_against
from callhandoff.summarizer.tokens import TOKENS_PER_REPLY, Price, count_messages, count_text

log = logging.getLogger("callhandoff.llm")

MIN_ANSWER_TOKENS = 256
_REASON_CHARS = 400


@dataclass
class Ledger:
    """Attempts and tokens of one extraction, summed over every attempt."""

    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        """Prompt + completion tokens so far."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class RunMeter:
    """What a whole run has spent, and the ceiling that stops new calls."""

    ceiling_usd: float | None
    spent_usd: float = 0.0
    reserved_usd: float = 0.0
    stopped: bool = False
    calls: int = 0
    notes: list[str] = field(default_factory=list)

    def reserve(self, estimate_usd: float) -> None:
        """Book the worst-case cost of an attempt, or refuse it when over the ceiling."""
        if self.ceiling_usd is None:
            return
        if self.stopped or self.spent_usd + self.reserved_usd + estimate_usd > self.ceiling_usd:
            if not self.stopped:
                self.stopped = True
                log.warning(
                    "cost ceiling of $%.4f reached after spending $%.4f: no new model calls "
                    "in this run; the remaining calls go to review "
                    "(raise CALLHANDOFF_COST_CEILING_USD to continue)",
                    self.ceiling_usd,
                    self.spent_usd,
                )
            raise BudgetExceededError(
                f"cost ceiling reached: ${self.spent_usd:.4f} spent of the "
                f"${self.ceiling_usd:.4f} per-run ceiling (CALLHANDOFF_COST_CEILING_USD); "
                "not sent to the model"
            )
        self.reserved_usd += estimate_usd

    def settle(self, estimate_usd: float, actual_usd: float) -> None:
        """Replace a reservation by what the attempt really cost."""
        if self.ceiling_usd is not None:
            self.reserved_usd = max(self.reserved_usd - estimate_usd, 0.0)
        self.spent_usd += actual_usd
        self.calls += 1


@dataclass(frozen=True)
class CallSpec:
    """The parts of the settings a call needs, resolved once per run."""

    model: str
    mode: InstructorModeName
    temperature: float
    max_retries: int
    transport_retries: int
    max_tokens_per_call: int
    max_completion_tokens: int
    timeout_s: float
    base_url: str

    @classmethod
    def from_settings(cls, settings: Settings, mode: InstructorModeName, base_url: str) -> CallSpec:
        """Pick the call's knobs out of the settings."""
        return cls(
            model=settings.model,
            mode=mode,
            temperature=settings.temperature,
            max_retries=settings.max_retries,
            transport_retries=settings.transport_retries,
            max_tokens_per_call=settings.max_tokens_per_call,
            max_completion_tokens=settings.max_completion_tokens,
            timeout_s=settings.timeout_s,
            base_url=base_url,
        )


@cache
def prepared_response_model() -> type[CallExtraction]:
    """CallExtraction wrapped for instructor once, instead of on every call.

    instructor wraps a plain pydantic model into a new class per request, which
    defeats its schema cache and costs tens of milliseconds of CPU per call.
    """
    from instructor.v2.core.response_model import prepare_response_model

    prepared = prepare_response_model(CallExtraction)
    assert prepared is not None and issubclass(prepared, CallExtraction)
    return prepared


def instructor_mode(mode: InstructorModeName) -> Any:
    """The `instructor.Mode` for a settings mode name."""
    from instructor import Mode

    return {"tools": Mode.TOOLS, "json_schema": Mode.JSON_SCHEMA, "json": Mode.JSON}[mode]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS] + "…"


def describe_output_error(exc: BaseException) -> str:
    """A one-line account of why the model's answer was refused."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:3]:
            where = ".".join(str(p) for p in error["loc"]) or "answer"
            parts.append(f"{where}: {error['msg']}")
        more = exc.error_count() - 3
        return _short("; ".join(parts) + (f" (+{more} more)" if more > 0 else ""))
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at char {exc.pos})"
    return _short(str(exc) or type(exc).__name__)


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return _short(str(inner["message"]))
    return _short(exc.message)


def map_api_error(exc: openai.APIError, spec: CallSpec) -> BackendError:
    """TransportError for what retries may cure; ConfigError raised for what they cannot."""
    tries = spec.transport_retries + 1
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _server_message(exc)
        if status in (401, 403):
            raise ConfigError(
                f"{spec.base_url} refused the API key (HTTP {status}): {detail}; "
                "set CALLHANDOFF_API_KEY or OPENAI_API_KEY"
            ) from exc
        if status == 404:
            raise ConfigError(
                f"{spec.base_url} has no model {spec.model!r} or no chat endpoint (HTTP 404): "
                f"{detail}; check CALLHANDOFF_MODEL and CALLHANDOFF_BASE_URL"
            ) from exc
        retried = status == 408 or status == 429 or status >= 500
        return TransportError(
            f"HTTP {status} from the model endpoint"
            + (f" after {tries} attempts" if retried else "")
            + f": {detail}",
            attempts=tries if retried else 1,
            status_code=status,
        )
    if isinstance(exc, openai.APITimeoutError):
        return TransportError(
            f"the model endpoint timed out ({spec.timeout_s:g} s) on {tries} attempts",
            attempts=tries,
        )
    return TransportError(
        f"cannot reach the model endpoint {spec.base_url} after {tries} attempts: "
        f"{_short(str(exc.__cause__ or exc))}",
        attempts=tries,
    )


class ModelCaller:
    """Runs one extraction against the endpoint; one instance per run."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        spec: CallSpec,
        encoding: tiktoken.Encoding,
        price: Price,
        meter: RunMeter,
    ):
        self.client = client
        self.spec = spec
        self.encoding = encoding
        self.price = price
        self.meter = meter
        self._mode = instructor_mode(spec.mode)
        self._schema_tokens: dict[str, int] = {}

    def _sender(self, ledger: Ledger) -> Callable[..., Any]:
        spec, meter = self.spec, self.meter

        async def send(*args: Any, **kwargs: Any) -> Any:
            estimate = self._prompt_tokens(kwargs)
            left = spec.max_tokens_per_call - ledger.tokens
            if estimate + MIN_ANSWER_TOKENS > left:
                raise BudgetExceededError(
                    f"per-call token budget of {spec.max_tokens_per_call} "
                    f"(CALLHANDOFF_MAX_TOKENS_PER_CALL) used up: attempt {ledger.attempts + 1} "
                    f"needs about {estimate} prompt tokens and {ledger.tokens} were already spent"
                )
            max_tokens = min(spec.max_completion_tokens, left - estimate)
            reserved = self.price.cost(estimate, max_tokens)
            meter.reserve(reserved)
            ledger.attempts += 1
            try:
                completion = await self.client.chat.completions.create(
                    *args, max_tokens=max_tokens, **kwargs
                )
            except BaseException:
                meter.settle(reserved, 0.0)
                raise
            repair_control_characters(completion)
            usage = getattr(completion, "usage", None)
            prompt = int(getattr(usage, "prompt_tokens", 0) or estimate)
            answer = int(getattr(usage, "completion_tokens", 0) or self._answer_tokens(completion))
            cost = self.price.cost(prompt, answer)
            ledger.prompt_tokens += prompt
            ledger.completion_tokens += answer
            ledger.cost_usd += cost
            meter.settle(reserved, cost)
            return completion

        return send

    def _prompt_tokens(self, kwargs: dict[str, Any]) -> int:
        """tiktoken count of the request; the schema part is counted once per run."""
        schema = json.dumps([kwargs.get("tools"), kwargs.get("response_format")])
        if schema not in self._schema_tokens:
            self._schema_tokens[schema] = (
                count_messages(
                    [],
                    self.encoding,
                    tools=kwargs.get("tools"),
                    response_format=kwargs.get("response_format"),
                )
                - TOKENS_PER_REPLY
            )
        return (
            count_messages(kwargs.get("messages", []), self.encoding) + self._schema_tokens[schema]
        )

    def _answer_tokens(self, completion: Any) -> int:
        try:
            message = completion.choices[0].message
        except (AttributeError, IndexError):
            return 0
        text = message.content or ""
        for call in message.tool_calls or []:
            text += call.function.arguments or ""
        return count_text(text, self.encoding)

    async def extract(
        self, messages: list[dict[str, Any]], turn_texts: list[str], fuzzy_threshold: float
    ) -> tuple[CallExtraction | BackendError, Ledger]:
        """The validated answer for one call, or the error that ends it; plus its ledger."""
        import instructor
        from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

        ledger = Ledger()
        create: Any = instructor.patch(create=self._sender(ledger), mode=self._mode)
        try:
            with validating_against(turn_texts, fuzzy_threshold):
                result = await create(
                    response_model=prepared_response_model(),
                    messages=messages,
                    model=self.spec.model,
                    temperature=self.spec.temperature,
                    max_retries=self.spec.max_retries,
                    strict=False,
                )
        except IncompleteOutputException:
            return ModelOutputError(
                f"the answer was cut off at max_tokens ({self.spec.max_completion_tokens}, "
                "CALLHANDOFF_MAX_COMPLETION_TOKENS)",
                attempts=ledger.attempts,
                usage=self._usage(ledger),
            ), ledger
        except InstructorRetryException as exc:
            return self._failure(exc.__cause__ or exc, ledger, exc), ledger
        except (openai.APIError, BackendError) as exc:
            return self._failure(exc, ledger, None), ledger
        assert isinstance(result, CallExtraction)
        return result, ledger

    def _failure(self, cause: BaseException, ledger: Ledger, retry: Any) -> BackendError:
        if isinstance(cause, BackendError):
            return cause
        if isinstance(cause, openai.APIError):
            return map_api_error(cause, self.spec)
        last = getattr(retry, "last_completion", None) if retry is not None else None
        return ModelOutputError(
            f"model output stayed invalid after {ledger.attempts} attempts "
            f"(CALLHANDOFF_MAX_RETRIES={self.spec.max_retries}): {describe_output_error(cause)}",
            attempts=ledger.attempts,
            last_completion=_completion_text(last),
            usage=self._usage(ledger),
        )

    @staticmethod
    def _usage(ledger: Ledger) -> dict[str, Any]:
        return {
            "prompt_tokens": ledger.prompt_tokens,
            "completion_tokens": ledger.completion_tokens,
        }


def _unescaped_controls(text: str) -> str | None:
    """`text` re-serialised when it is JSON only if raw control characters are allowed."""
    if not any(ord(ch) < 0x20 for ch in text):
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError:
        try:
            return json.dumps(json.loads(text, strict=False), ensure_ascii=False)
        except json.JSONDecodeError:
            return None
    return None


def repair_control_characters(completion: Any) -> None:
    """Escape raw newlines/tabs that some servers leave inside JSON strings (llama.cpp does).

    Strict JSON forbids them, so the answer would be refused for a formatting slip;
    the repair changes no value, only how it is written.
    """
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return
    for call in message.tool_calls or []:
        fixed = _unescaped_controls(call.function.arguments or "")
        if fixed is not None:
            call.function.arguments = fixed
    if isinstance(message.content, str):
        fixed = _unescaped_controls(message.content)
        if fixed is not None:
            message.content = fixed


def _completion_text(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = message.tool_calls or []
    if calls:
        return str(calls[0].function.arguments)
    return None if message.content is None else str(message.content)

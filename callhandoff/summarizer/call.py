"""One model attempt through instructor: budgets, token accounting, error mapping.

Every HTTP attempt goes through `ModelCaller._send`, which
- counts the prompt with tiktoken before sending, and refuses the attempt when the
  per-call token budget (summed over all attempts) or a limit of the run
  (budget.py) would be passed;
- caps the answer with `max_tokens` so the budget holds;
- speaks the server's dialect: llama.cpp takes a JSON schema only as
  `response_format: {"type": "json_object", "schema": ...}`, so instructor's
  `json_schema` request is sent that way to it; `CALLHANDOFF_EXTRA_BODY` adds
  server options (llama.cpp's `repeat_penalty`, for one);
- adds the usage the server reports to the call's ledger and the run's meter, and
  keeps the answer's raw text for the field-by-field check (salvage.py).

instructor shapes the request for the mode and reads the answer; it is called
with no re-asks of its own, because re-asking is per field (extraction.py).
Failures come back as values: a `TransportError` or `BudgetExceededError` with a
message fit for a reviewer. Only configuration problems (bad key, unknown model)
raise, since every call would fail the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import openai
import tiktoken

from callhandoff.exceptions import (
    BackendError,
    BudgetExceededError,
    ConfigError,
    TransportError,
)
from callhandoff.settings import InstructorModeName, Settings
from callhandoff.summarizer.budget import Ledger, Reservation, RunMeter
from callhandoff.summarizer.providers import Provider
from callhandoff.summarizer.response_model import LeanSchema
from callhandoff.summarizer.tokens import TOKENS_PER_REPLY, Price, count_messages, count_text

log = logging.getLogger("callhandoff.llm")

MIN_ANSWER_TOKENS = 256
_REASON_CHARS = 400


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
    provider: Provider = "other"
    extra_body: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        mode: InstructorModeName,
        base_url: str,
        provider: Provider = "other",
    ) -> CallSpec:
        """Pick the call's knobs out of the settings."""
        return cls(
            provider=provider,
            extra_body=tuple(sorted((settings.extra_body or {}).items())),
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
def prepared_response_model(model: type[LeanSchema]) -> type[LeanSchema]:
    """`model` wrapped for instructor once, instead of on every call.

    instructor wraps a plain pydantic model into a new class per request, which
    defeats its schema cache and costs tens of milliseconds of CPU per call.
    """
    from instructor.v2.core.response_model import prepare_response_model

    prepared = prepare_response_model(model)
    assert prepared is not None and issubclass(prepared, model)
    return prepared


def instructor_mode(mode: InstructorModeName) -> Any:
    """The `instructor.Mode` for a settings mode name."""
    from instructor import Mode

    return {"tools": Mode.TOOLS, "json_schema": Mode.JSON_SCHEMA, "json": Mode.JSON}[mode]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS] + "…"


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
    """Sends attempts to the endpoint; one instance per run."""

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
            kwargs = self._dialect(kwargs)
            estimate = self._prompt_tokens(kwargs)
            left = spec.max_tokens_per_call - ledger.tokens
            if estimate + MIN_ANSWER_TOKENS > left:
                raise BudgetExceededError(
                    f"per-call token budget of {spec.max_tokens_per_call} "
                    f"(CALLHANDOFF_MAX_TOKENS_PER_CALL) used up: attempt {ledger.attempts + 1} "
                    f"needs about {estimate} prompt tokens and {ledger.tokens} were already spent"
                )
            max_tokens = min(spec.max_completion_tokens, left - estimate)
            booking = Reservation(self.price.cost(estimate, max_tokens), estimate + max_tokens)
            meter.reserve(booking)
            ledger.attempts += 1
            try:
                completion = await self.client.chat.completions.create(
                    *args, max_tokens=max_tokens, **kwargs
                )
            except BaseException:
                meter.settle(booking, 0.0, 0)
                raise
            repair_control_characters(completion)
            usage = getattr(completion, "usage", None)
            prompt = int(getattr(usage, "prompt_tokens", 0) or estimate)
            answer = int(getattr(usage, "completion_tokens", 0) or self._answer_tokens(completion))
            cost = self.price.cost(prompt, answer)
            ledger.prompt_tokens += prompt
            ledger.completion_tokens += answer
            ledger.cost_usd += cost
            ledger.last_text = completion_text(completion)
            ledger.last_finish = _finish_reason(completion)
            meter.settle(booking, cost, prompt + answer)
            return completion

        return send

    def _dialect(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The request as this server takes it (see the module docstring)."""
        out = dict(kwargs)
        response_format = out.get("response_format")
        if (
            self.spec.provider == "llamacpp"
            and isinstance(response_format, dict)
            and response_format.get("type") == "json_schema"
        ):
            out["response_format"] = {
                "type": "json_object",
                "schema": response_format["json_schema"]["schema"],
            }
        if self.spec.extra_body:
            out["extra_body"] = {**dict(self.spec.extra_body), **out.get("extra_body", {})}
        return out

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
        text = completion_text(completion) or ""
        return count_text(text, self.encoding)

    async def ask(
        self, messages: list[dict[str, Any]], model: type[LeanSchema], ledger: Ledger
    ) -> BackendError | None:
        """One attempt for `model`'s fields; the answer's text lands in `ledger.last_text`.

        Returns the transport or budget error that stopped the attempt, else None
        (an answer that is not valid JSON or not valid for the model is still an
        answer: salvage reads what it can of it).
        """
        import instructor
        from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

        ledger.last_text = None
        create: Any = instructor.patch(create=self._sender(ledger), mode=self._mode)
        try:
            await create(
                response_model=prepared_response_model(model),
                messages=messages,
                model=self.spec.model,
                temperature=self.spec.temperature,
                max_retries=0,
                strict=False,
            )
        except IncompleteOutputException:
            return None
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, BackendError | openai.APIError):
                return self._failure(cause)
            return None
        except (openai.APIError, BackendError) as exc:
            return self._failure(exc)
        return None

    def _failure(self, cause: BackendError | openai.APIError) -> BackendError:
        if isinstance(cause, BackendError):
            return cause
        return map_api_error(cause, self.spec)


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


def _finish_reason(completion: Any) -> str | None:
    try:
        return str(completion.choices[0].finish_reason)
    except (AttributeError, IndexError, TypeError):
        return None


def completion_text(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = message.tool_calls or []
    if calls:
        return str(calls[0].function.arguments)
    return None if message.content is None else str(message.content)

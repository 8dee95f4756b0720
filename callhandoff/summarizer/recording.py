"""Portable recordings of a run's model traffic: record once with a server, replay anywhere.

`--record FILE` (CALLHANDOFF_LLM_RECORD) writes every HTTP exchange with the
model endpoint to a JSON-lines file (gzip-compressed when the name ends in
`.gz`): a header line with the settings that shape the requests, then one line
per exchange with the request body and the response (status, body, and only the
content-type and retry headers; no request header is stored, so no key ever is).

`--replay FILE` (CALLHANDOFF_LLM_REPLAY) answers the same requests from the file:
no server, no key, no cost. A request is looked up by method, path and the
SHA-256 of its JSON body; identical requests are answered in recorded order. A
request the recording does not hold gets HTTP 400 with a message saying so, so
the call falls back and the run shows it. Replayed handoffs carry
`meta.replayed`, so reports keep spent and replayed cost apart.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import httpx2

from callhandoff.exceptions import ConfigError

FORMAT = "callhandoff-llm-recording/1"
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after", "retry-after-ms")
# The settings that shape the requests; a replay runs with the recorded values.
REQUEST_SETTINGS = (
    "backend",
    "model",
    "base_url",
    "provider",
    "mode",
    "prompt",
    "temperature",
    "max_retries",
    "max_tokens_per_call",
    "max_completion_tokens",
    "context_tokens",
    "grounding_fuzzy_threshold",
    "phone_regions",
    "extra_body",
    "azure_api_version",
)


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return path.open(mode, encoding="utf-8")


def request_key(method: str, path: str, body: bytes) -> str:
    """Method, path and the hash of the canonical JSON body (or the raw bytes)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    return f"{method} {path} {hashlib.sha256(canonical).hexdigest()}"


def _body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _bytes(body: Any) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Passes requests to `inner` and writes each exchange to the recording."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, path: Path, header: dict[str, Any]):
        self.inner = inner
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = _open(path, "w")
        self._write({"format": FORMAT, "settings": header})

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send `request`, then record it with its response."""
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_RESPONSE_HEADERS}
        self._write(
            {
                "request": {
                    "method": request.method,
                    "path": request.url.path,
                    "body": _body(body),
                },
                "response": {
                    "status": response.status_code,
                    "headers": headers,
                    "body": _body(content),
                },
            }
        )
        return httpx2.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    async def aclose(self) -> None:
        """Close the file and the wrapped transport."""
        self._file.close()
        await self.inner.aclose()


def read_recording(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header's settings and the exchanges of a recording file."""
    if not path.is_file():
        raise ConfigError(f"recording not found: {path} (--replay)")
    lines: list[dict[str, Any]] = []
    try:
        with _open(path, "r") as handle:
            for line in handle:
                if line.strip():
                    lines.append(json.loads(line))
    except EOFError:
        pass  # a run stopped mid-way: every exchange written before is complete
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a callhandoff recording ({exc})") from exc
    if not lines or lines[0].get("format") != FORMAT:
        raise ConfigError(f"{path}:1: not a callhandoff recording (no '{FORMAT}' header)")
    return dict(lines[0].get("settings", {})), lines[1:]


class ReplayTransport(httpx2.AsyncBaseTransport):
    """Answers requests from a recording (see the module docstring)."""

    def __init__(self, path: Path):
        self.path = path
        _, exchanges = read_recording(path)
        self._answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._next: dict[str, int] = defaultdict(int)
        for exchange in exchanges:
            sent = exchange["request"]
            key = request_key(sent["method"], sent["path"], _bytes(sent["body"]))
            self._answers[key].append(exchange["response"])
        self.served = 0
        self.missed = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """The recorded response to this exact request, or HTTP 400 naming the recording."""
        body = await request.aread()
        key = request_key(request.method, request.url.path, body)
        answers = self._answers.get(key)
        if not answers:
            self.missed += 1
            message = (
                f"this request is not in the recording {self.path.name}: the prompt, model, "
                "settings or transcript differ from the recorded run"
            )
            return httpx2.Response(400, json={"error": {"message": message}}, request=request)
        # identical requests get the recorded answers in order; the last one repeats
        index = min(self._next[key], len(answers) - 1)
        self._next[key] += 1
        answer = answers[index]
        self.served += 1
        return httpx2.Response(
            answer["status"],
            headers=answer.get("headers", {}),
            content=_bytes(answer["body"]),
            request=request,
        )

    def unplayed(self) -> Iterator[str]:
        """Keys of recorded exchanges never asked for."""
        return (key for key, answers in self._answers.items() if self._next[key] < len(answers))

"""A tiny OpenAI-compatible chat server for tests and benchmarks, on 127.0.0.1 only.

It answers `POST /v1/chat/completions` after a fixed delay with a grounded
`CallExtraction` built from the numbered turns in the request: the first words of
turn 0 as the quote, the first id-like token as the order id. It speaks the
three instructor modes (a tool call when `tools` is sent, JSON content otherwise)
and reports usage, so the backend's accounting, cache and concurrency can be
exercised with no model. `GET /stats` returns how many completions it served.

    python -m callhandoff.summarizer.fake_server --delay 0.2     # prints its base URL
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TURN = re.compile(r"^\[(\d+)\] \w+: (.*)$", re.MULTILINE)
_ID = re.compile(r"\b[A-Z0-9][A-Z0-9-]{4,}\d\b", re.IGNORECASE)
_KEYWORDS = (
    ("refund", "refund"),
    ("return", "return_or_exchange"),
    ("cancel", "cancel_order"),
    ("deliver", "delivery_issue"),
)


def fake_answer(request: dict[str, Any]) -> dict[str, Any]:
    """A valid, grounded extraction for the call in `request`'s messages."""
    text = "\n".join(
        str(m.get("content") or "") for m in request.get("messages", []) if m.get("role") == "user"
    )
    turns = {int(i): body for i, body in _TURN.findall(text)}
    first = turns.get(0, "")
    quote = " ".join(first.split()[:6]) or "hello"
    lowered = text.lower()
    intent = next((label for word, label in _KEYWORDS if word in lowered), "order_status")
    answer: dict[str, Any] = {
        "intent": {"value": intent, "turn": 0, "quote": quote},
        "urgency": {"value": "normal", "turn": 0, "quote": quote},
        "summary": f"Caller raised a {intent.replace('_', ' ')} request; details in turn 0.",
        "next_step": "Support checks the order and calls the customer back.",
    }
    for index in sorted(turns):
        match = _ID.search(turns[index])
        if match:
            answer["order_ids"] = [
                {"value": match.group(0), "turn": index, "quote": match.group(0)}
            ]
            break
    return answer


Answer = Callable[[dict[str, Any]], dict[str, Any]]


def completion_for(
    request: dict[str, Any], body_size: int, answer: Answer = fake_answer
) -> dict[str, Any]:
    """The chat.completion payload answering `request` with `answer(request)` as JSON."""
    arguments = json.dumps(answer(request))
    message: dict[str, Any] = {"role": "assistant", "content": arguments}
    finish = "stop"
    tools = request.get("tools") or []
    if tools:
        name = tools[0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{uuid.uuid4().hex[:12]}",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ],
        }
        finish = "tool_calls"
    completion_tokens = max(len(arguments) // 4, 1)
    prompt_tokens = max(body_size // 4, 1)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(request.get("model", "fake")),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default backlog of 5 drops a burst of connects (1 s SYN retry)

    def __init__(self, port: int, delay_s: float, answer: Answer = fake_answer):
        super().__init__(("127.0.0.1", port), _Handler)
        self.delay_s = delay_s
        self.answer = answer
        self.served = 0
        self.lock = threading.Lock()
        self.bodies: list[bytes] = []  # every request body received, for tests that inspect them


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms ACK stall
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks read the numbers, not the access log."""

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """`/stats`: completions served so far."""
        if self.path.rstrip("/").endswith("/stats"):
            self._send(200, {"served": self.server.served})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        """`/v1/chat/completions`: a grounded answer after the configured delay."""
        size = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(size)
        with self.server.lock:
            self.server.bodies.append(raw)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        time.sleep(self.server.delay_s)
        with self.server.lock:
            self.server.served += 1
        self._send(200, completion_for(json.loads(raw), len(raw), self.server.answer))


@dataclass
class FakeServer:
    """A running fake server: its base URL and how many completions it served."""

    server: _Server

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/v1`."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def served(self) -> int:
        """Chat completions answered so far."""
        return self.server.served

    @property
    def request_bodies(self) -> list[bytes]:
        """The raw body of every request received so far, in arrival order."""
        with self.server.lock:
            return list(self.server.bodies)


@contextmanager
def running_fake_server(
    delay_s: float = 0.0, port: int = 0, answer: Answer = fake_answer
) -> Iterator[FakeServer]:
    """Run the fake server in a background thread for the duration of the block.

    `answer` builds the JSON the model "says" for a request (default: a grounded
    extraction); other model clients, such as the summary judge, pass their own.
    """
    server = _Server(port, delay_s, answer)
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield FakeServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; prints the base URL on the first line."""
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server (127.0.0.1).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    args = parser.parse_args(argv)
    server = _Server(args.port, args.delay)
    print(f"http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

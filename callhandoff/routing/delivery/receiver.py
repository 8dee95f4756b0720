"""A local destination on 127.0.0.1 that counts what it receives, for drills, tests, benchmarks.

It speaks the destination API the deliverer uses (`GET /approved_origins`, POST /
PATCH actions) and keeps, per idempotency key:
- `arrivals`: every request carrying the key, whatever was answered;
- `accepted`: the requests answered 2xx — what a destination that ignored
  `Idempotency-Key` would have applied, so `accepted[key] > 1` is a duplicate send;
- `applied`: what an idempotent destination applies (a repeated key is answered
  as a replay and not applied again).

Knobs: `statuses` (answers to give first, in order), `retry_after`, `down` (while
set, every action is answered with that status: an outage), `hold_at` (block the
n-th action until `release` is set, to kill a deliverer mid-request).

    with running_receiver() as receiver: ...   # receiver.url is http://127.0.0.1:<port>
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """Behaviour knobs and what arrived."""

    url: str = ""
    approved_origins: list[str] = field(default_factory=lambda: ["print-b"])
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    down: int | None = None
    hold_at: int | None = None
    keep_requests: bool = True
    requests: list[Seen] = field(default_factory=list)
    actions: int = 0
    applied: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    arrivals: Counter[str] = field(default_factory=Counter)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self) -> list[Seen]:
        """The requests that carried an action (not the origins lookup)."""
        return [r for r in self.requests if r.method != "GET"]

    def sent_twice(self) -> list[str]:
        """Keys answered 2xx more than once: duplicates a non-idempotent destination applies."""
        with self.lock:
            return sorted(key for key, n in self.accepted.items() if n > 1)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            with receiver.lock:
                if receiver.keep_requests:
                    receiver.requests.append(Seen("GET", self.path, dict(self.headers), None))
                status = receiver.down
            if status is not None:
                self._answer(status, {"error": "down"})
            else:
                self._answer(200, {"origins": receiver.approved_origins})

        def _action(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            key = self.headers.get("Idempotency-Key", "")
            with receiver.lock:
                if receiver.keep_requests:
                    receiver.requests.append(
                        Seen(self.command, self.path, dict(self.headers), body)
                    )
                receiver.actions += 1
                number = receiver.actions
                if receiver.down is not None:
                    status = receiver.down
                else:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.arrivals[key] += 1
                replay = receiver.applied[key] > 0
                if status < 300:
                    receiver.accepted[key] += 1
                    if not replay:
                        receiver.applied[key] += 1
            if receiver.hold_at is not None and number == receiver.hold_at:
                receiver.held.set()
                receiver.release.wait(timeout=20)
            headers = {"Retry-After": receiver.retry_after} if receiver.retry_after else None
            if status >= 300:
                self._answer(status, {"error": "try again"}, headers)
            else:
                self._answer(200, {"ok": True, "replayed": replay})

        do_POST = _action
        do_PATCH = _action

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the drills do that) is not an error worth printing."""


@contextmanager
def running_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Start the receiver on a free 127.0.0.1 port for the duration of the block."""
    receiver = receiver or Receiver()
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()

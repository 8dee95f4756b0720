"""A real HTTP receiver on 127.0.0.1 that counts requests and applies each idempotency key once."""

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
    hold_at: int | None = None
    requests: list[Seen] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    arrivals: Counter[str] = field(default_factory=Counter)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self) -> list[Seen]:
        """The requests that carried an action (not the origins lookup)."""
        return [r for r in self.requests if r.method != "GET"]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
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
                receiver.requests.append(Seen("GET", self.path, dict(self.headers), None))
            self._answer(200, {"origins": receiver.approved_origins})

        def _action(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            key = self.headers.get("Idempotency-Key", "")
            with receiver.lock:
                receiver.requests.append(Seen(self.command, self.path, dict(self.headers), body))
                number = len(receiver.posts())
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.arrivals[key] += 1
                replay = receiver.applied[key] > 0
                if status < 300 and not replay:
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


@contextmanager
def running_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Start the receiver on a free 127.0.0.1 port for the duration of the block."""
    receiver = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()

"""A local OpenAI Files + Batch API for tests and benchmarks, on 127.0.0.1 only.

Speaks what a bulk back-fill uses: `POST /v1/files` (multipart upload, purpose
batch), `POST /v1/batches`, `GET /v1/batches/{id}` and `GET /v1/files/{id}/content`.
A batch is `in_progress` for `polls_before_done` status checks, then `completed`
with one output line per request, answered like `fake_server` answers a chat
completion (so the answers are grounded); request lines whose custom id is in
`fail_ids` get an error line in the error file instead. Counts what it did, so a
test can check that a resumed back-fill created no second batch.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from callhandoff.summarizer.fake_server import completion_for


@dataclass
class BatchState:
    """What the server holds and has done."""

    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    polls_before_done: int = 1
    fail_ids: set[str] = field(default_factory=set)
    created: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _batch_outputs(state: BatchState, input_file: bytes) -> tuple[bytes, bytes]:
    """The output and error files for one input file."""
    out, errors = [], []
    for line in input_file.decode().splitlines():
        if not line.strip():
            continue
        request = json.loads(line)
        custom_id = request["custom_id"]
        if custom_id in state.fail_ids:
            errors.append(
                {
                    "id": f"batch_req_{uuid.uuid4().hex[:12]}",
                    "custom_id": custom_id,
                    "response": {"status_code": 500, "body": {"error": {"message": "boom"}}},
                    "error": None,
                }
            )
            continue
        body = request["body"]
        out.append(
            {
                "id": f"batch_req_{uuid.uuid4().hex[:12]}",
                "custom_id": custom_id,
                "response": {
                    "status_code": 200,
                    "request_id": uuid.uuid4().hex,
                    "body": completion_for(body, len(json.dumps(body))),
                },
                "error": None,
            }
        )
    return _jsonl(out), _jsonl(errors)


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, state: BatchState):
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _file_object(self, file_id: str, purpose: str, size: int) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
            "status": "processed",
        }

    def do_POST(self) -> None:
        """Upload a file, or create a batch."""
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.path.rstrip("/")
        if path.endswith("/files"):
            message = BytesParser(policy=default_policy).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw
            )
            data, purpose = b"", "batch"
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if name == "file" and isinstance(payload, bytes):
                    data = payload
                elif name == "purpose" and isinstance(payload, bytes):
                    purpose = payload.decode()
            file_id = f"file-{uuid.uuid4().hex[:16]}"
            with state.lock:
                state.files[file_id] = data
            self._send(200, self._file_object(file_id, purpose, len(data)))
        elif path.endswith("/batches"):
            request = json.loads(raw)
            batch_id = f"batch_{uuid.uuid4().hex[:16]}"
            batch = {
                "id": batch_id,
                "object": "batch",
                "endpoint": request["endpoint"],
                "input_file_id": request["input_file_id"],
                "completion_window": request["completion_window"],
                "status": "in_progress",
                "created_at": int(time.time()),
                "metadata": request.get("metadata"),
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
            }
            with state.lock:
                state.batches[batch_id] = batch
                state.polls[batch_id] = 0
                state.created += 1
            self._send(200, batch)
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def do_GET(self) -> None:
        """A batch's status (completing it after the set number of polls), or a file."""
        state = self.server.state
        path = self.path.rstrip("/")
        parts = path.split("/")
        if "/batches/" in path:
            batch_id = parts[-1]
            with state.lock:
                batch = state.batches.get(batch_id)
                if batch is None:
                    self._send(404, {"error": {"message": "no such batch"}})
                    return
                state.polls[batch_id] += 1
                if batch["status"] == "in_progress" and (
                    state.polls[batch_id] > state.polls_before_done
                ):
                    out, errors = _batch_outputs(state, state.files[batch["input_file_id"]])
                    out_id, err_id = (
                        f"file-{uuid.uuid4().hex[:16]}",
                        f"file-{uuid.uuid4().hex[:16]}",
                    )
                    state.files[out_id], state.files[err_id] = out, errors
                    done, failed = out.count(b"\n"), errors.count(b"\n")
                    batch.update(
                        status="completed",
                        output_file_id=out_id,
                        error_file_id=err_id if failed else None,
                        completed_at=int(time.time()),
                        request_counts={
                            "total": done + failed,
                            "completed": done,
                            "failed": failed,
                        },
                    )
                self._send(200, batch)
        elif path.endswith("/content") and "/files/" in path:
            data = state.files.get(parts[-2])
            if data is None:
                self._send(404, {"error": {"message": "no such file"}})
            else:
                self._send(200, None, raw=data)
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})


@dataclass
class FakeBatchServer:
    """A running fake Batch API: its base URL and state."""

    server: _Server

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>/v1`."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def state(self) -> BatchState:
        """Files, batches and counters."""
        return self.server.state


@contextmanager
def running_fake_batch_server(state: BatchState | None = None) -> Iterator[FakeBatchServer]:
    """Run the fake Batch API in a background thread for the duration of the block."""
    server = _Server(0, state or BatchState())
    thread = threading.Thread(target=server.serve_forever, name="fake-batches", daemon=True)
    thread.start()
    try:
        yield FakeBatchServer(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

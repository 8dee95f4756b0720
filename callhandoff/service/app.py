"""The HTTP API: `POST /v1/calls`, `GET /v1/calls/{call_id}`, `GET /healthz`, `GET /metrics`.

A call is stored before it is answered: `202 {"call_id", "status_url"}` means the
transcript is committed to the store and will be processed even if this process
dies the next moment. What happens next (a worker thread is woken, or the call is
queued for publishing as a Celery task) is the `on_received` hook's job; it must
not block.
Refusals store nothing: 401 for a missing, wrong or stale signature, 413 for a
body over the limit, 422 with the reader's message for a body that is not one
readable call. A replayed `webhook-id` gets the first answer again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from callhandoff.exceptions import InputError, NotFoundError
from callhandoff.redaction.stage import redact_transcript
from callhandoff.service.intake import read_call
from callhandoff.service.metrics import CONTENT_TYPE, ServiceMetrics
from callhandoff.service.status import call_status
from callhandoff.service.webhooks import Verifier, WebhookRejected
from callhandoff.settings import Settings
from callhandoff.store import intake as intake_store
from callhandoff.store.db import ping


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _TooLarge(Exception):
    pass


@dataclass
class ServiceContext:
    """What the API needs: the store, the signature check, limits, metrics and the hook."""

    engine: Engine
    settings: Settings
    verifier: Verifier
    metrics: ServiceMetrics
    on_received: Callable[[int], None] = lambda _id: None
    clock: Callable[[], datetime] = _utcnow
    extra_health: Callable[[], dict[str, Any]] = field(default=dict)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(context: ServiceContext, status: int, message: str) -> JSONResponse:
    context.metrics.rejected.labels(str(status)).inc()
    return JSONResponse({"error": message}, status_code=status)


def create_app(context: ServiceContext) -> FastAPI:
    """The FastAPI app over one store."""
    app = FastAPI(
        title="callhandoff",
        summary="Post-call webhooks in, grounded handoffs and decisions out.",
        version="0.1.0",
    )
    settings = context.settings

    @app.post("/v1/calls", status_code=202)
    async def post_call(request: Request) -> Response:
        """Accept one signed call; it is stored before the 202."""
        try:
            body = await _body(request, settings.max_body_bytes)
        except _TooLarge:
            return _refuse(context, 413, f"the body is larger than {settings.max_body_bytes} bytes")
        now = context.clock()
        try:
            webhook_id = context.verifier.verify(request.headers, body, now)
        except WebhookRejected as exc:
            return _refuse(context, 401, str(exc))
        try:
            # Secrets said on the call are masked before the call is stored (redaction
            # is the first stage, here as in `process`).
            transcript = redact_transcript(
                read_call(body, default_destination=settings.default_destination, tz=settings.tz)
            )
        except InputError as exc:
            return _refuse(context, 422, str(exc))
        response = {
            "call_id": transcript.call_id,
            "status_url": f"/v1/calls/{quote(transcript.call_id, safe='')}",
        }
        row, new = await run_in_threadpool(
            intake_store.receive,
            context.engine,
            webhook_id=webhook_id,
            call_id=transcript.call_id,
            transcript=transcript.model_dump(mode="json"),
            content_hash=transcript.content_hash(),
            response=response,
            now=now,
        )
        if new:
            context.metrics.received.inc()
            context.on_received(row.id)
        return JSONResponse(row.response, status_code=202)

    @app.get("/v1/calls/{call_id}")
    def get_call(call_id: str) -> Response:
        """Where the call is, its handoff, the decision with its reasons, the outbox state."""
        try:
            return JSONResponse(call_status(context.engine, call_id))
        except NotFoundError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 when the store answers; 503 otherwise."""
        try:
            ping(context.engine)
        except Exception as exc:
            return JSONResponse(
                {"status": "unavailable", "error": type(exc).__name__}, status_code=503
            )
        return JSONResponse(
            {"status": "ok", "store": settings.store_label, **context.extra_health()}
        )

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text format."""
        return Response(context.metrics.exposition(), media_type=CONTENT_TYPE)

    return app

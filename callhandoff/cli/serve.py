"""`callhandoff serve` (the webhook API) and `callhandoff worker` (a Celery worker)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Literal

import typer
from rich.console import Console

from callhandoff.cli.common import fail, load_settings, print_store


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker threads processing calls in this process."),
    ] = None,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Process calls here (default), or only store them and enqueue Celery "
            "tasks for `callhandoff worker` (needs CALLHANDOFF_BROKER_URL).",
        ),
    ] = True,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="Run a deliverer in this process when an endpoint URL is configured.",
        ),
    ] = True,
) -> None:
    """Receive signed post-call webhooks: POST /v1/calls, GET /v1/calls/{id}, /healthz, /metrics.

    Embedded by default: one process on the SQLite store runs the API, worker
    threads and the deliverer. With --no-worker it only accepts calls and enqueues
    them for Celery workers (`callhandoff worker`) on any number of machines.
    """
    import uvicorn

    from callhandoff.exceptions import CallhandoffError
    from callhandoff.service.embedded import Service

    settings = load_settings(
        {"service_host": host, "service_port": port, "service_workers": workers}
    )
    console = Console()
    print_store(console, settings)
    try:
        if worker:
            service = Service.from_settings(
                settings, workers=settings.service_workers, deliver=deliver
            )
            mode = f"{settings.service_workers} worker thread(s) in this process"
        else:
            from callhandoff.service.tasks import Publisher, make_celery

            service = Service.from_settings(settings, workers=0, deliver=deliver)
            publisher = Publisher(make_celery(settings), service.engine, settings)
            service.enqueue_with(publisher)
            mode = "enqueueing for `callhandoff worker`"
        app = service.app()
    except CallhandoffError as exc:
        fail(str(exc))
    console.print(
        f"listening on http://{settings.service_host}:{settings.service_port} ({mode})",
        highlight=False,
    )
    if worker:
        # Worker threads run CPU-bound extraction beside the API; a 1 ms interpreter
        # switch interval (Python's default is 5 ms) keeps the webhook answers from
        # queueing behind them.
        sys.setswitchinterval(0.001)
    config = uvicorn.Config(
        app,
        host=settings.service_host,
        port=settings.service_port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Processes (prefork) or 1 (solo); default: one per core."),
    ] = None,
    pool: Annotated[
        Literal["prefork", "solo", "threads"],
        typer.Option(help="Celery pool: prefork processes, solo (this process), or threads."),
    ] = "prefork",
    loglevel: Annotated[str, typer.Option(help="Celery log level.")] = "WARNING",
) -> None:
    """A Celery worker processing the calls `serve --no-worker` enqueued.

    Needs CALLHANDOFF_BROKER_URL and the same CALLHANDOFF_DATABASE_URL as the
    server. Start as many as you like, on as many machines: a call is claimed in
    the store before it is processed, so none is processed into two actions.
    """
    from callhandoff.exceptions import CallhandoffError
    from callhandoff.service.tasks import QUEUE, make_celery

    settings = load_settings({})
    console = Console(stderr=True)
    print_store(console, settings)
    try:
        app = make_celery(settings)
    except CallhandoffError as exc:
        fail(str(exc))
    processes = 1 if pool == "solo" else (concurrency or os.cpu_count() or 1)
    app.worker_main(
        [
            "worker",
            f"--pool={pool}",
            f"--concurrency={processes}",
            f"--queues={QUEUE}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )

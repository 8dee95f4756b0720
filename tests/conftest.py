"""Switches every test shares.

- No test reaches the network: a socket connection to anything but loopback fails.
- No test makes a model request (`.../chat/completions` and friends) over a real
  HTTP transport unless it is marked `allow_model_calls` (it then talks to a local
  server it started itself). Injected transports (httpx2.MockTransport) and
  replayed cassettes never reach a real transport, so they need no marker.
- Settings come from a clean environment: no CALLHANDOFF_* / OPENAI_* variables
  leak in from the developer's shell, and the data directory (store, caches) is a
  fresh temporary folder per test.
- `replay_cassette(path)` replays a vcrpy cassette with record_mode="none" and
  fails the test when any recorded interaction was not played.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest

MODEL_PATHS = ("/chat/completions", "/completions", "/embeddings", "/responses")
CASSETTE_MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")


def _is_local(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(what: Any) -> None:
        raise RuntimeError(f"a test tried to reach {what!r}: tests never use the network")

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _is_local(address[0]):
            refuse(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if isinstance(address, tuple) and not _is_local(address[0]):
            refuse(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host.decode() if isinstance(host, bytes) else host):
            refuse(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _guard_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    def is_model_call(request: Any) -> bool:
        return str(request.url.path).rstrip("/").endswith(MODEL_PATHS)

    def blocked(request: Any) -> RuntimeError:
        return RuntimeError(
            f"model request to {request.url} blocked: mark the test "
            "@pytest.mark.allow_model_calls and serve it from a local test server"
        )

    for module in (httpx, httpx2):
        sync_real = module.HTTPTransport.handle_request
        async_real = module.AsyncHTTPTransport.handle_async_request

        def handle(self: Any, request: Any, _real: Any = sync_real) -> Any:
            if is_model_call(request):
                raise blocked(request)
            return _real(self, request)

        async def handle_async(self: Any, request: Any, _real: Any = async_real) -> Any:
            if is_model_call(request):
                raise blocked(request)
            return await _real(self, request)

        monkeypatch.setattr(module.HTTPTransport, "handle_request", handle)
        monkeypatch.setattr(module.AsyncHTTPTransport, "handle_async_request", handle_async)


@pytest.fixture(autouse=True)
def _network_switch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """No internet for any test; model requests only for tests marked allow_model_calls."""
    _guard_sockets(monkeypatch)
    if request.node.get_closest_marker("allow_model_calls") is None:
        _guard_model_requests(monkeypatch)


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A clean environment and a per-test data directory for every Settings() built."""

    for name in list(os.environ):
        if name.startswith(("CALLHANDOFF_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CALLHANDOFF_DATA_DIR", str(tmp_path / "callhandoff-data"))


@pytest.fixture
def replay_cassette() -> Callable[..., AbstractContextManager[Any]]:
    """`with replay_cassette(path) as cassette:` replays it and checks it was fully played."""

    @contextmanager
    def use(path: Path, **options: Any) -> Iterator[Any]:
        import vcr

        recorder = vcr.VCR(record_mode="none", **{"match_on": CASSETTE_MATCH_ON, **options})
        with recorder.use_cassette(str(path)) as cassette:
            yield cassette
        assert cassette.all_played, (
            f"{path}: only {cassette.play_count} of {len(cassette)} recorded interactions "
            "were played; the requests changed, re-record with scripts/record_cassettes.py"
        )

    return use


# --- real PostgreSQL and Redis ------------------------------------------------------------
# Read once at import: the per-test environment above is cleaned of CALLHANDOFF_* names.
REQUIRE_SERVICES = os.environ.get("CALLHANDOFF_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, exc: Exception) -> None:
    """Skip on a developer machine without the server; fail where CI requires it."""
    message = f"{what} is not available: {exc}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (CALLHANDOFF_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster for the whole session."""
    from tests.services import start_postgres

    try:
        server = start_postgres()
    except (OSError, subprocess.CalledProcessError) as exc:
        _unavailable("PostgreSQL", exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """A throwaway redis-server for the whole session."""
    from tests.services import start_redis

    try:
        server = start_redis()
    except (OSError, RuntimeError) as exc:
        _unavailable("Redis", exc)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return str(postgres_server.database())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on the embedded SQLite store and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))

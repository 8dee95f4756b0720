"""The conftest switch: no internet, and no model request without the marker."""

from __future__ import annotations

import asyncio
import socket

import httpx2
import pytest


def test_internet_is_unreachable() -> None:
    with pytest.raises(RuntimeError, match="tests never use the network"):
        socket.create_connection(("203.0.113.10", 443), timeout=0.1)
    with pytest.raises(RuntimeError, match="tests never use the network"):
        socket.getaddrinfo("api.openai.com", 443)


def test_model_request_without_the_marker_is_blocked() -> None:
    async def call() -> None:
        async with httpx2.AsyncClient() as client:
            await client.post("http://127.0.0.1:9/v1/chat/completions", json={})

    with pytest.raises(RuntimeError, match=r"model request to .* blocked"):
        asyncio.run(call())


def test_injected_transports_need_no_marker() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(204))
    with httpx2.Client(transport=transport) as client:
        assert client.post("http://127.0.0.1:9/v1/chat/completions").status_code == 204

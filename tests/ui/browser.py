"""Running `callhandoff ui` on a free loopback port, and Debian's chromium driven headless.

Used by the browser test and by `scripts/ui_screenshots.py`. Playwright talks to
the system chromium (`/usr/bin/chromium`, installed by `.ci/run` with apt-get);
Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_ui(database_url: str, *, timeout_s: float = 60.0) -> Iterator[str]:
    """`callhandoff ui` on 127.0.0.1 and a free port; yields its base URL, stops it after."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("callhandoff")), "ui",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, "CALLHANDOFF_DATABASE_URL": database_url}
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield _wait_until_up(server, log, f"http://127.0.0.1:{port}", timeout_s)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], log: Any, base: str, timeout_s: float) -> str:
    """`base` once the server answers its health check; its log in the error otherwise."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return base
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"callhandoff ui did not start: {log.read().decode()[-2000:]}")
        time.sleep(0.2)


@contextmanager
def chromium_page(width: int = 1500, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in headless Debian chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def set_reviewer(page: Any, name: str) -> None:
    """Type the reviewer's name in the sidebar and commit it."""
    box = page.get_by_role("textbox", name="Your name")
    box.fill(name)
    box.press("Enter")
    page.get_by_text("Set your name to claim calls").wait_for(state="detached", timeout=15_000)

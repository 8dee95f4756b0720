"""Start the real commands as processes: `serve`, `worker`, `deliver --follow`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.services import free_port


def command(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """`python -m callhandoff ARGS` with the given CALLHANDOFF_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CALLHANDOFF_", "OPENAI_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "callhandoff", *args],
        env={**clean, **env},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=(cwd / f"{args[0]}-{time.monotonic_ns()}.log").open("wb"),
    )


def start_server(env: dict[str, str], cwd: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`callhandoff serve` on a free port; returns once /healthz answers."""
    port = free_port()
    process = command(
        ["serve", "--port", str(port), *args],
        {**env, "CALLHANDOFF_SERVICE_HOST": "127.0.0.1"},
        cwd,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("serve did not answer /healthz within 60 s")


def stop(processes: list[subprocess.Popen[bytes]], timeout_s: float = 30) -> None:
    """SIGTERM, then SIGKILL what is still running after `timeout_s`."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

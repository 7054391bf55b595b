"""A real ``microfab serve`` on a free loopback port, for the tests that need a whole server (HTTP, browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningServer:
    """A started ``microfab serve``: its URL and its process id (to read its CPU time and memory)."""

    url: str
    pid: int


@contextmanager
def running_server(tmp: Path, env: dict[str, str], ready_s: float = 300.0) -> Iterator[str]:
    """Start ``python -m api serve`` in ``tmp`` with ``env`` added to this process's environment, wait for
    /readyz, yield its URL; stop it at the end (its output is in ``tmp / "server.log"``)."""
    with server_process(tmp, env, ready_s) as server:
        yield server.url


@contextmanager
def server_process(tmp: Path, env: dict[str, str], ready_s: float = 300.0,
                   args: tuple[str, ...] = ()) -> Iterator[RunningServer]:
    """``running_server``, yielding the URL and the server's process id; ``args``: more ``serve`` options."""
    port = free_port()
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port),
                             *args], env=os.environ | env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {(tmp / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not get ready in {ready_s:.0f} s")
            time.sleep(0.05)
        yield RunningServer(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()

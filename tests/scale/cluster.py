"""A small cluster on one machine for the scale tests: a PostgreSQL database, `microfab serve --workers N`,
`microfab worker` processes, and a webhook receiver that counts deliveries by their idempotency key."""

from __future__ import annotations

import http.server
import os
import secrets
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from tests.servers import free_port

#: the repository whose code the processes run (this tree, whatever is installed)
ROOT = Path(__file__).resolve().parents[2]


def box_stl(x_mm: float, y_mm: float, z_mm: float) -> bytes:
    """A closed box as a binary STL (12 triangles, outward normals): a small part distinct by its sizes."""
    v = [(0, 0, 0), (x_mm, 0, 0), (x_mm, y_mm, 0), (0, y_mm, 0),
         (0, 0, z_mm), (x_mm, 0, z_mm), (x_mm, y_mm, z_mm), (0, y_mm, z_mm)]
    faces = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4),
             (1, 2, 6), (1, 6, 5), (2, 3, 7), (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    out = [b"microfab fault-test box".ljust(80, b" "), struct.pack("<I", len(faces))]
    for a, b, c in faces:
        out.append(struct.pack("<12fH", 0, 0, 0, *v[a], *v[b], *v[c], 0))
    return b"".join(out)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of ``server_url`` (``.../postgres``), dropped at the end."""
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"microfab_scale_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server_url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 204 (503 to the first try of every 10th delivery); counts the tries by Idempotency-Key."""

    tries: Counter[str] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["content-length"]))
        key = self.headers.get("idempotency-key", "")
        with self.lock:
            type(self).tries[key] += 1
            first = type(self).tries[key] == 1
        self.send_response(503 if first and int(key, 16) % 10 == 0 else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def receiver() -> Iterator[str]:
    Receiver.tries = Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Cluster:
    """``microfab serve --workers N`` and ``microfab worker`` processes sharing one database and blob folder."""

    tmp: Path
    env: dict[str, str]
    url: str = ""
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _start(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        with (self.tmp / log_name).open("ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen([sys.executable, "-m", "api", *args], stdout=log, stderr=subprocess.STDOUT,
                                    env=os.environ | self.env | {"PYTHONPATH": path}, cwd=self.tmp)

    def serve(self, processes: int, ready_s: float = 180) -> str:
        port = free_port()
        self.server = self._start(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                                   str(processes)], "server.log")
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + ready_s
        while (processes > 1 and len(self.api_processes()) < processes) or not self._ready():
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log('server.log')}")
            time.sleep(0.2)
        return self.url

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def api_processes(self) -> list[psutil.Process]:
        """uvicorn's worker processes (children of the server started by multiprocessing's spawn)."""
        if self.server is None:
            return []
        try:
            children = psutil.Process(self.server.pid).children()
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if "spawn_main" in " ".join(_cmdline(p))]

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        proc = self._start(["worker", "--name", name, "--concurrency", "2"], f"{name}.log")
        self.workers.append(proc)
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / name
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        procs = [p for p in [self.server, *self.workers] if p is not None and p.poll() is None]
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def kill_hard(proc: psutil.Process | subprocess.Popen[bytes]) -> None:
    """kill -9 (SIGKILL): no clean-up of any kind."""
    os.kill(proc.pid, signal.SIGKILL)

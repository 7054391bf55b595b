"""Benchmark the HTTP API over loopback (prints figures; not a test).

Starts ``microfab serve`` (uvicorn, one process, SQLite in a temporary folder, two
parse workers warmed at start) on a free 127.0.0.1 port, then measures:

- the first quote of a typical STEP part (a file the server has never seen:
  upload, parse in a worker, measure, price, store), once the service is warm;
- re-quoting a stored part (``POST /v1/parts/{id}/quotes`` with new quantities or
  material): latency p50/p95 one request at a time, and quotes/s with a loopback
  load generator (raw asyncio HTTP/1.1 keep-alive, ``--concurrency`` connections) on
  the same machine; and the server's CPU time per re-quote under that load (user +
  system of the server processes, from /proc), which other work on a shared machine
  disturbs far less than wall-clock figures: ``1000 / cpu_ms`` is the re-quotes/s one
  core can serve;
- /healthz latency (p50, p99, max) while that re-quote burst runs (a probe every
  20 ms on its own connection, from a process of its own): pricing runs off the event loop (issue 16);
- with ``--uploads N`` (12 for the issue 16 figure): the API process's peak memory
  (VmHWM) while N clients upload a 65 MB, 1.3 M-triangle binary STL (a subdivided
  icosphere made with trimesh) at once, and what became of each upload.

    .venv/bin/python -m benchmarks.bench_api [--requests 2000] [--concurrency 8] [--processes 1] [--uploads 12]
        [--sqlite-synchronous full|normal]
    MICROFAB_BENCH_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST/DB .venv/bin/python -m benchmarks.bench_api \\
        --first 2 --concurrency 32 --processes 1 2 --rounds 3   # 1 vs 2 processes, alternately, medians and ratio
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from tests.servers import RunningServer

ROOT = Path(__file__).resolve().parents[1]
MATERIALS = ["al6061", "al7075", "ss304", "s235"]


def _cpu_s(pid: int) -> float:
    """User + system CPU time [s] of process ``pid`` and its children (Linux /proc; 0 elsewhere)."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total + sum(_cpu_s(int(c)) for c in children)


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def typical_steps(n: int) -> list[tuple[str, bytes]]:
    """``n`` distinct machined parts (plates with holes, pocketed blocks) as STEP."""
    sys.path.insert(0, str(ROOT))
    from tests import parts as cadparts

    out = []
    for i in range(n):
        if i % 2 == 0:
            shape = cadparts.plate_with_holes(length=90.0 + i, width=55.0 + i / 2, thickness=8.0, hole_d=6.0)
        else:
            shape = cadparts.pocketed_block(size=(80.0 + i, 60.0, 30.0), pocket=(40.0, 30.0, 12.0 + i / 4))
        out.append((f"part-{i}.step", cadparts.step_bytes(shape)))
    return out


@contextmanager
def start_server(tmp: Path, processes: int, sqlite_synchronous: str = "full") -> Iterator[RunningServer]:
    """``microfab serve`` (``tests.servers.server_process``) on SQLite in ``tmp`` (or
    MICROFAB_BENCH_DATABASE_URL: an empty PostgreSQL database, needed for --processes > 1)."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import server_process

    database_url = os.environ.get("MICROFAB_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    env = {"MICROFAB_DATABASE_URL": database_url, "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
           "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ALLOW_ANONYMOUS": "true",
           "MICROFAB_PARSE_WORKERS": "2", "MICROFAB_SERVER_PROCESSES": str(processes),
           # a load generator on loopback is one address: no rate limit for it
           "MICROFAB_RATE_LIMIT_IP_PER_MIN": "0", "MICROFAB_SQLITE_SYNCHRONOUS": sqlite_synchronous}
    t0 = time.perf_counter()
    with server_process(tmp, env, ready_s=600) as server:
        ready_s = time.perf_counter() - t0
        print(f"server ready in {ready_s:.1f} s ({processes} uvicorn process(es), migrations, demo workshops, "
              f"2 warm parse workers; target 3 s on a quiet machine: {ready_s / 3.0:.2f}x; {_load()})")
        yield server


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


async def load(url: str, part_id: str, total: int, concurrency: int) -> tuple[list[float], float, int]:
    """A lean HTTP/1.1 keep-alive load generator on raw asyncio streams (httpx itself costs more CPU
    per request than the server on this 2-core machine, and would measure the client)."""
    import json

    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in counter:
                body = json.dumps({"material": MATERIALS[i % len(MATERIALS)],
                                   "quantities": [1 + i % 7, 10 + i % 13, 100]}).encode()
                head = (f"POST /v1/parts/{part_id}/quotes HTTP/1.1\r\nHost: {host}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                t = time.perf_counter()
                writer.write(head + body)
                status_line = await read_response(reader)
                latencies.append(time.perf_counter() - t)
                errors += b" 201 " not in status_line
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - t0, errors


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """Read one HTTP/1.1 answer (status line, headers, Content-Length body); its status line."""
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status_line


async def probe_health(url: str, stop: asyncio.Event, every_s: float = 0.02) -> list[float]:
    """/healthz latencies [s], one probe every ``every_s`` on a keep-alive connection, until ``stop``."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    out: list[float] = []
    try:
        while not stop.is_set():
            t = time.perf_counter()
            writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await read_response(reader)
            out.append(time.perf_counter() - t)
            await asyncio.sleep(every_s)
    finally:
        writer.close()
    return out


async def burst_with_probe(url: str, part_id: str, total: int, concurrency: int
                           ) -> tuple[tuple[list[float], float, int], list[float]]:
    """The re-quote burst, with /healthz probed meanwhile from a process of its own (as a liveness probe is:
    probed from the load generator's event loop, the figure would include the generator's own backlog)."""
    import json

    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bench_api", "--probe", url, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.stdin is not None and probe.stdout is not None
    ready = await probe.stdout.readline()  # the probe's connection is open
    assert ready.strip() == b"ready", ready
    try:
        result = await load(url, part_id, total, concurrency)
    finally:
        probe.stdin.close()  # the probe stops at the end of its input
    health = json.loads(await probe.stdout.read())
    await probe.wait()
    return result, health


def probe_until_stdin_closes(url: str) -> None:
    """``--probe URL``: /healthz latencies until standard input closes, printed as a JSON list [s]."""
    import json

    async def run() -> list[float]:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)
        print("ready", flush=True)
        return await probe_health(url, stop)

    print(json.dumps(asyncio.run(run())))


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def big_stl(path: Path) -> Path:
    """A closed 1.3 M-triangle binary STL (icosphere, 8 subdivisions, radius 50 mm): about 65 MB."""
    import trimesh

    if not path.exists():
        trimesh.creation.icosphere(subdivisions=8, radius=50.0).export(path, file_type="stl")
    return path


def upload_memory(url: str, pid: int, stl: Path, n: int, wait_s: float) -> None:
    """N parallel uploads of ``stl``; the API process's peak memory and each upload's outcome."""
    import threading

    data = stl.read_bytes()
    before = _rss_mb(pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb(pid))
            time.sleep(0.05)

    outcomes: list[str] = []

    def upload(i: int) -> None:
        with httpx.Client(base_url=url, timeout=wait_s) as http:
            t = time.perf_counter()
            r = http.post("/v1/parts", files={"file": (f"sphere{i}.stl", data)})
            if r.status_code == 202:
                deadline = time.monotonic() + wait_s
                job = r.json()
                while job["status"] == "running" and time.monotonic() < deadline:
                    time.sleep(1)
                    job = http.get(job["url"]).json()
                state = job["status"] if job["status"] != "failed" else f"failed {job['error']['code']}"
                outcomes.append(f"202 -> {state} in {time.perf_counter() - t:.0f} s")
            else:
                outcomes.append(f"{r.status_code} in {time.perf_counter() - t:.0f} s")

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=upload, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    sampler.join()
    print(f"{n} parallel uploads of a {len(data) / 1e6:.0f} MB STL ({(len(data) - 84) // 50:,} triangles): "
          f"API process memory {before:.0f} MB before, peak {max(peak[0], _rss_mb(pid, 'VmHWM')):.0f} MB "
          f"(VmHWM); outcomes: {', '.join(sorted(outcomes))}")


@dataclass(frozen=True)
class Burst:
    """The figures of one server's re-quote burst."""

    processes: int
    quotes_per_s: float
    cpu_ms: float
    p50_ms: float
    p99_ms: float
    health_p99_ms: float
    load: float


def run_server(args: argparse.Namespace, steps: list[tuple[str, bytes]], processes: int) -> Burst:
    """Start a server, quote new parts, then re-quote one under load; print every figure."""
    with tempfile.TemporaryDirectory(prefix="microfab-bench-api-") as tmpdir:
        with start_server(Path(tmpdir), processes, args.sqlite_synchronous) as server:
            url, pid = server.url, server.pid
            part_id = first_quotes(url, steps, args.first)
            cpu0 = _cpu_s(pid)
            (lat, wall, errors), health = asyncio.run(burst_with_probe(url, part_id, args.requests,
                                                                         args.concurrency))
            cpu_ms = (_cpu_s(pid) - cpu0) / max(1, len(lat)) * 1000
            load = os.getloadavg()[0]
            print(f"re-quote a stored part under load ({args.requests} requests, {args.concurrency} connections, "
                  f"{processes} process(es), generator on the same {os.cpu_count()}-core machine): "
                  f"{len(lat) / wall:.0f} quotes/s, p50 {_pct(lat, 50) * 1000:.1f} ms, p95 {_pct(lat, 95) * 1000:.1f} "
                  f"ms, p99 {_pct(lat, 99) * 1000:.1f} ms, errors {errors}; target >= 400 quotes/s: "
                  f"{len(lat) / wall / 400:.2f}x; {_load()}")
            if cpu_ms:
                print(f"server CPU per re-quote under load: {cpu_ms:.2f} ms "
                      f"(one core: {1000 / cpu_ms:.0f} re-quotes/s); target <= 2 ms: {cpu_ms / 2:.2f}x")
            print(f"/healthz during that burst ({len(health)} probes): p50 {_pct(health, 50) * 1000:.1f} ms, "
                  f"p99 {_pct(health, 99) * 1000:.1f} ms, max {max(health) * 1000:.1f} ms")
            if args.uploads:
                upload_memory(url, pid, big_stl(Path(tmpdir) / "sphere.stl"), args.uploads, args.upload_wait)
            return Burst(processes, len(lat) / wall, cpu_ms, _pct(lat, 50) * 1000, _pct(lat, 99) * 1000,
                         _pct(health, 99) * 1000, load)


def first_quotes(url: str, steps: list[tuple[str, bytes]], first: int) -> str:
    """Quote ``steps`` as new files (the first warms the path), then re-quote the last one at a time; its id."""
    with httpx.Client(base_url=url, timeout=120) as http:
        # warm the path once (a first request pays imports and connection set-up)
        warm_name, warm_data = steps[0]
        r = http.post("/v1/quotes", files={"file": (warm_name, warm_data)}, data={"material": "al6061"})
        r.raise_for_status()
        firsts = []
        for name, data in steps[1:]:
            t = time.perf_counter()
            r = http.post("/v1/quotes", files={"file": (name, data)},
                          data={"material": "al6061", "quantities": "1,10,100"})
            firsts.append(time.perf_counter() - t)
            r.raise_for_status()
        size_kb = statistics.median(len(d) for _, d in steps[1:]) / 1024
        print(f"first quote of a new STEP part ({first} parts, median {size_kb:.0f} KB, "
              f"{len(r.json()['offers'])} offers): p50 {statistics.median(firsts) * 1000:.0f} ms, "
              f"max {max(firsts) * 1000:.0f} ms")
        part_id: str = r.json()["part_id"]
        seq = []
        for i in range(200):
            t = time.perf_counter()
            rr = http.post(f"/v1/parts/{part_id}/quotes",
                           json={"material": MATERIALS[i % 4], "quantities": [1 + i % 7, 25]})
            seq.append(time.perf_counter() - t)
            rr.raise_for_status()
        print(f"re-quote a stored part, one at a time (200 requests): p50 {_pct(seq, 50) * 1000:.1f} ms, "
              f"p95 {_pct(seq, 95) * 1000:.1f} ms")
    return part_id


@contextmanager
def fresh_database() -> Iterator[None]:
    """MICROFAB_BENCH_DATABASE_URL pointed at a new PostgreSQL database made beside it (dropped afterwards),
    so that every server of a comparison starts empty; nothing to do on SQLite (a new file per server)."""
    base = os.environ.get("MICROFAB_BENCH_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield
        return
    import secrets

    import psycopg

    name = f"microfab_bench_{secrets.token_hex(4)}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["MICROFAB_BENCH_DATABASE_URL"] = f"{base.rpartition('/')[0]}/{name}"
    try:
        yield
    finally:
        os.environ["MICROFAB_BENCH_DATABASE_URL"] = base
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def compare(bursts: list[Burst], target_ratio: float = 1.7) -> None:
    """Per process count: re-quotes/s and server CPU per re-quote of each round, medians, ratio to 1 process."""
    counts = sorted({b.processes for b in bursts})
    print(f"\nprocesses compared alternately, {len(bursts) // len(counts)} round(s), {os.cpu_count()} cores "
          "shared with the load generator and the database:")
    medians = {}
    for n in counts:
        mine = [b for b in bursts if b.processes == n]
        medians[n] = statistics.median(b.quotes_per_s for b in mine)
        print(f"  {n} process(es): re-quotes/s {' / '.join(f'{b.quotes_per_s:.0f}' for b in mine)} "
              f"(median {medians[n]:.0f}); server CPU per re-quote "
              f"{' / '.join(f'{b.cpu_ms:.2f}' for b in mine)} ms; p99 {' / '.join(f'{b.p99_ms:.0f}' for b in mine)} "
              f"ms; /healthz p99 {' / '.join(f'{b.health_p99_ms:.0f}' for b in mine)} ms; load "
              f"{' / '.join(f'{b.load:.1f}' for b in mine)}")
    if 1 in medians:
        for n in counts:
            if n > 1:
                print(f"  {n} processes / 1: {medians[n] / medians[1]:.2f}x (medians; target >= {target_ratio}x for 2)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000, help="re-quotes sent by the load generator")
    ap.add_argument("--concurrency", type=int, default=8, help="connections of the load generator")
    ap.add_argument("--first", type=int, default=6, help="new STEP parts for the first-quote figure")
    ap.add_argument("--processes", type=int, nargs="+", default=[1],
                    help="uvicorn processes (MICROFAB_SERVER_PROCESSES); several counts (1 2) are run "
                         "alternately, --rounds times, each on a new database, and compared")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of the alternation of --processes")
    ap.add_argument("--sqlite-synchronous", choices=("full", "normal"), default="full",
                    help="SQLite's synchronous mode (MICROFAB_SQLITE_SYNCHRONOUS): full survives a power loss")
    ap.add_argument("--uploads", type=int, default=0, help="parallel 65 MB STL uploads for the memory figure (12)")
    ap.add_argument("--upload-wait", type=float, default=900, help="how long to follow each upload's job [s]")
    ap.add_argument("--probe", metavar="URL", help=argparse.SUPPRESS)  # the /healthz probe's own process
    args = ap.parse_args()
    if args.probe:
        probe_until_stdin_closes(args.probe)
        return

    steps = typical_steps(args.first + 1)
    if len(args.processes) == 1 and args.rounds == 1:
        run_server(args, steps, args.processes[0])
        return
    bursts = []
    for round_no in range(1, args.rounds + 1):
        for processes in args.processes:
            print(f"--- round {round_no}, {processes} process(es)")
            with fresh_database():
                bursts.append(run_server(args, steps, processes))
    compare(bursts)


if __name__ == "__main__":
    main()

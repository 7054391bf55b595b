"""Benchmark: the durable job queue (procrastinate on PostgreSQL), parse jobs per second with 1 and 2 workers.

For each worker count: an empty database and `microfab serve` (one process that runs no
task itself); ``--jobs`` distinct small STL boxes are uploaded as parse jobs
(``MICROFAB_ASYNC_THRESHOLD_BYTES=1``: every upload is a job) and wait in the queue; then N
`microfab worker` processes start (2 tasks at once each, one parse process each), and the
time from the first worker's start of work (its log) to the last job's end (the jobs
table) gives jobs per second, the workers' start-up excluded. Each job parses its file in
a parse process, stores the part and ends its job row (no webhook here).

Run: ``MICROFAB_BENCH_POSTGRES_URL=postgresql+psycopg://user:pw@127.0.0.1:5432/postgres
.venv/bin/python benchmarks/bench_scale_queue.py [--jobs 100] [--workers 1 2] [--json]``
(or ``MICROFAB_TEST_POSTGRES_URL``); reports the load average next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.scale.cluster import Cluster, box_stl, postgres_database  # noqa: E402


def _env(database_url: str, tmp: Path) -> dict[str, str]:
    return {"MICROFAB_DATABASE_URL": database_url, "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
            "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ASYNC_THRESHOLD_BYTES": "1",
            "MICROFAB_QUEUE_API_CONCURRENCY": "0", "MICROFAB_PARSE_WORKERS": "1",
            "MICROFAB_PARSE_WORKERS_PRESTART": "false", "MICROFAB_ALLOW_ANONYMOUS": "true",
            "MICROFAB_RATE_LIMIT_IP_PER_MIN": "0", "MICROFAB_RATE_LIMIT_KEY_PER_MIN": "0"}


def run_once(server_url: str, workers: int, jobs: int, seed: int) -> dict[str, float]:
    """Queue ``jobs`` parse jobs, then start ``workers`` workers: the jobs per second from the first worker's start
    of work to the last job's end, worker start-up excluded."""
    with tempfile.TemporaryDirectory(prefix="microfab-bench-queue-") as tmp, \
            postgres_database(server_url) as database_url:
        cluster = Cluster(Path(tmp), _env(database_url, Path(tmp)))
        try:
            url = cluster.serve(processes=1)
            with httpx.Client(base_url=url, timeout=60) as client:
                files = [box_stl(10 + seed + i * 0.1, 20 + i % 7, 5 + i % 3) for i in range(jobs)]
                with ThreadPoolExecutor(4) as pool:
                    locations = list(pool.map(lambda i: client.post(
                        "/v1/parts", files={"file": (f"b{i}.stl", files[i])}).headers["location"], range(jobs)))
                for i in range(workers):
                    cluster.start_worker(f"w{i}")
                pending = set(locations)
                while pending:
                    time.sleep(0.2)
                    pending = {u for u in pending if client.get(u).json()["status"] not in ("succeeded", "failed")}
            span_s, failed = _span(database_url, [cluster.tmp / f"w{i}.log" for i in range(workers)])
        finally:
            cluster.stop()
    return {"workers": workers, "jobs": jobs, "failed": failed, "seconds": round(span_s, 2),
            "jobs_per_s": round(jobs / span_s, 2)}


def _span(database_url: str, logs: list[Path]) -> tuple[float, int]:
    """Seconds from the first worker's start of work (its log line, local time) to the last job's end, and the
    jobs that failed."""
    import psycopg

    from api.queue import psycopg_conninfo

    ready = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if "running queued tasks" in line:
                stamp = time.mktime(time.strptime(line[:19], "%Y-%m-%d %H:%M:%S")) + int(line[20:23]) / 1000
                ready.append(stamp)
    with psycopg.connect(psycopg_conninfo(database_url)) as conn:
        last = conn.execute("SELECT max(finished_at), count(*) FILTER (WHERE status = 'failed') FROM jobs").fetchone()
    assert ready and last is not None
    return last[0].timestamp() - min(ready), int(last[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("MICROFAB_BENCH_POSTGRES_URL") or os.environ.get("MICROFAB_TEST_POSTGRES_URL")
    if not server:
        print("set MICROFAB_BENCH_POSTGRES_URL to a PostgreSQL server URL (.../postgres)", file=sys.stderr)
        return 2
    rows = []
    for n, workers in enumerate(args.workers):
        load = os.getloadavg()[0]
        rows.append(run_once(server, workers, args.jobs, seed=n * 1000) | {"load": round(load, 1)})
        if not args.json:
            print(rows[-1], flush=True)
    if len(rows) >= 2 and not args.json:
        print(f"ratio {rows[1]['workers']} / {rows[0]['workers']} workers: "
              f"{rows[1]['jobs_per_s'] / rows[0]['jobs_per_s']:.2f}x")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fault test (issue 15): 2 API processes and 2 queue workers on PostgreSQL, kill -9 of one of each mid-run.

200 uploads (each a parse job, so the workers do the parsing) and 2,000 re-quotes against
`microfab serve --workers 2`, with `microfab worker` x 2. Once half the uploads are accepted,
with the workers busy, one queue worker is killed with SIGKILL and a new one started; after
1,000 re-quotes one uvicorn worker process is killed with SIGKILL (uvicorn starts a new one
by itself; requests cut off are sent again, as a client does when no answer came). Afterwards: every accepted part
and quote is readable, no job is left unfinished (every one succeeded), no task is left in
the queue, and every webhook delivery reached the local receiver at least once (counted by
its Idempotency-Key; the receiver refuses the first try of one delivery in ten, so retries
happen too).

Needs MICROFAB_TEST_POSTGRES_URL (CI's .ci/run sets it); about 1-2 minutes on 2 cores.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scale.cluster import Cluster, box_stl, kill_hard, postgres_database, receiver

pytestmark = pytest.mark.slow
POSTGRES = os.environ.get("MICROFAB_TEST_POSTGRES_URL", "")
UPLOADS = 200
REQUOTES = 2000
#: the figures of the last run, for benchmarks/README.md (printed with -s)
REPORT: dict[str, Any] = {}


def _env(database_url: str, tmp: Path) -> dict[str, str]:
    return {
        "MICROFAB_DATABASE_URL": database_url, "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
        "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ENVIRONMENT": "test",
        "MICROFAB_ASYNC_THRESHOLD_BYTES": "1",  # every upload is a job: the queue workers parse
        "MICROFAB_QUEUE_API_CONCURRENCY": "0",  # the API processes run no task themselves
        "MICROFAB_PARSE_WORKERS": "1", "MICROFAB_PARSE_WORKERS_PRESTART": "false",
        "MICROFAB_WORKER_HEARTBEAT_S": "1", "MICROFAB_WORKER_STALLED_S": "4", "MICROFAB_QUEUE_SWEEP_AFTER_S": "3",
        "MICROFAB_JOB_BACKOFF_S": "0.5", "MICROFAB_WEBHOOK_BACKOFF_S": "0.2", "MICROFAB_WEBHOOK_ALLOW_PRIVATE": "true",
        "MICROFAB_RATE_LIMIT_IP_PER_MIN": "0", "MICROFAB_RATE_LIMIT_KEY_PER_MIN": "0",
    }


def _retrying(call: Any, attempts: int = 20) -> httpx.Response:
    """A request sent again while its server process is down (an answer never came: nothing was accepted)."""
    for _ in range(attempts - 1):
        try:
            r = call()
            if r.status_code < 500:
                return r
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    return call()


def _key(database_url: str) -> str:
    from api.auth import create_key
    from api.db import init_db, make_engine

    engine = make_engine(database_url)
    try:
        return create_key(init_db(engine, seed_demo=True), "buyer").key
    finally:
        engine.dispose()


def _wait_jobs(client: httpx.Client, urls: list[str], timeout_s: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(urls) and time.monotonic() < deadline:
        for url in urls:
            if url not in done:
                job = _retrying(lambda u=url: client.get(u)).json()
                if job["status"] in ("succeeded", "failed"):
                    done[url] = job
        time.sleep(0.5)
    return [done.get(url) or _retrying(lambda u=url: client.get(u)).json() for url in urls]


@pytest.mark.skipif(not POSTGRES, reason="the fault test needs PostgreSQL: set MICROFAB_TEST_POSTGRES_URL "
                                         "(e.g. postgresql+psycopg://postgres:...@127.0.0.1:5432/postgres)")
def test_kill_9_of_an_api_process_and_a_worker_loses_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    with postgres_database(POSTGRES) as database_url, receiver() as hook_url:
        cluster = Cluster(tmp_path, _env(database_url, tmp_path))
        try:
            _run(cluster, _key(database_url), hook_url)
        finally:
            cluster.stop()
    REPORT["seconds"] = round(time.monotonic() - started, 1)
    print("fault test:", REPORT)


def _run(cluster: Cluster, key: str, hook_url: str) -> None:
    url = cluster.serve(processes=2)
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        assert client.post("/v1/webhooks", json={"url": hook_url}).status_code == 201
        _load(cluster, client, hook_url)


def _load(cluster: Cluster, client: httpx.Client, hook_url: str) -> None:
    from tests.scale.cluster import Receiver

    accepted: list[str] = []
    lock = threading.Lock()
    victims = {"api": cluster.api_processes()[0], "worker": cluster.workers[0]}
    killer = threading.Thread(target=_kill_a_busy_worker, args=(cluster, victims["worker"], accepted))
    killer.start()

    def upload(i: int) -> None:
        data = box_stl(10 + i * 0.25, 20 + (i % 7), 5 + (i % 3))
        r = _retrying(lambda: client.post("/v1/parts", files={"file": (f"box{i}.stl", data)}))
        assert r.status_code == 202, r.text
        with lock:
            accepted.append(r.headers["location"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(upload, range(UPLOADS)))
    killer.join()
    assert len(accepted) == UPLOADS
    jobs = _wait_jobs(client, accepted, timeout_s=150)
    assert [j for j in jobs if j["status"] != "succeeded"] == [], "every accepted upload ends as a part"
    part_ids = [j["result"]["part_id"] for j in jobs]
    assert len(set(part_ids)) == UPLOADS
    quotes: list[str] = []

    def requote(i: int) -> None:
        body = {"material": "al6061" if i % 2 else "s235", "quantities": [1 + i % 5, 10]}
        r = _retrying(lambda: client.post(f"/v1/parts/{part_ids[i % UPLOADS]}/quotes", json=body))
        assert r.status_code == 201, r.text
        with lock:
            quotes.append(r.json()["id"])
            if len(quotes) == REQUOTES // 2:  # in the middle of the re-quotes: kill -9 of an API process
                kill_hard(victims["api"])
                REPORT["api_killed_at_quotes"] = len(quotes)

    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(requote, range(REQUOTES)))
    requote_s = time.monotonic() - t0
    restarted = cluster.api_processes()
    until = time.monotonic() + 30  # uvicorn's supervisor notices the dead process, then spawns its successor
    while (len(restarted) != 2 or victims["api"].pid in {p.pid for p in restarted}) and time.monotonic() < until:
        time.sleep(0.2)
        restarted = cluster.api_processes()
    assert len(restarted) == 2 and victims["api"].pid not in {p.pid for p in restarted}, "uvicorn started a new one"
    _check_readable(client, part_ids, quotes)
    deliveries = _check_queue_empty_and_webhooks(cluster, client, hook_url, Receiver, len(jobs))
    REPORT.update(uploads=len(accepted), parts=len(set(part_ids)), requotes=len(quotes),
                  requotes_per_s=round(REQUOTES / requote_s, 1), jobs_succeeded=len(jobs), deliveries=deliveries,
                  webhook_posts=sum(Receiver.tries.values()))


def _kill_a_busy_worker(cluster: Cluster, victim: Any, accepted: list[str]) -> None:
    """Once half the uploads are accepted and both workers are running a task (the victim is then cut off
    mid-task: its task must run again elsewhere): kill -9 of a queue worker, then a new one starts."""
    import psycopg

    from api.queue import TaskName, psycopg_conninfo

    deadline = time.monotonic() + 120
    while len(accepted) < UPLOADS // 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    with psycopg.connect(psycopg_conninfo(cluster.env["MICROFAB_DATABASE_URL"]), autocommit=True) as conn:
        busy = time.monotonic() + 60
        while time.monotonic() < busy:
            # two workers are alive: jobs in the middle of a run (their row `running`, not a webhook delivery nor
            # a job already finished) on two distinct workers means the victim is cut off in one, which must
            # then run again on another worker
            row = conn.execute("SELECT count(DISTINCT p.worker_id) FROM procrastinate_jobs p "
                               "JOIN jobs j ON j.task_id = p.id::text "
                               "WHERE p.status = 'doing' AND p.worker_id IS NOT NULL AND p.task_name = %s "
                               "AND j.status = 'running'", (TaskName.RUN_JOB.value,)).fetchone()
            if row is not None and row[0] >= 2:
                break
            time.sleep(0.01)
    kill_hard(victim)
    REPORT["worker_killed_at_uploads"] = len(accepted)
    time.sleep(1)
    cluster.start_worker("w3")


def _check_readable(client: httpx.Client, part_ids: list[str], quotes: list[str]) -> None:
    for pid in part_ids:
        assert _retrying(lambda p=pid: client.get(f"/v1/parts/{p}")).status_code == 200
    for qid in quotes:
        assert _retrying(lambda q=qid: client.get(f"/v1/quotes/{q}")).status_code == 200
    assert len(set(quotes)) == REQUOTES


def _check_queue_empty_and_webhooks(cluster: Cluster, client: httpx.Client, hook_url: str, receiver_cls: Any,
                                    jobs: int) -> int:
    import psycopg

    from api.queue import psycopg_conninfo

    database_url = cluster.env["MICROFAB_DATABASE_URL"]
    deadline = time.monotonic() + 60
    with psycopg.connect(psycopg_conninfo(database_url), autocommit=True) as conn:
        while True:
            pending = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'").fetchone()[0]
            tasks = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                                 ).fetchone()[0]
            if (not pending and not tasks) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert pending == 0 and tasks == 0, (pending, tasks)
        unfinished = conn.execute("SELECT count(*) FROM jobs WHERE status NOT IN ('succeeded', 'failed')").fetchone()
        assert unfinished[0] == 0
        rerun = conn.execute("SELECT count(*) FROM jobs WHERE attempts > 1").fetchone()[0]
        assert rerun >= 1, "the killed worker's tasks ran again on another worker"
        REPORT["jobs_run_again"] = rerun
        REPORT["jobs_total"] = conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
        delivered = [r[0] for r in conn.execute("SELECT id FROM webhook_deliveries WHERE status = 'delivered'")]
        failed = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'").fetchone()[0]
    assert failed == 0 and len(delivered) >= jobs, (failed, len(delivered), jobs)
    missing = [d for d in delivered if receiver_cls.tries[d] < 1]
    assert missing == [], f"{len(missing)} deliveries never reached the receiver"
    return len(delivered)

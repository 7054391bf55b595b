"""The durable job queue (api.queue, api.tasks): retries with back-off, the dead letter, every state visible
through /v1/jobs, webhooks at least once with an idempotency key, and jobs that survive their process.

On SQLite the tasks run in the server process; on PostgreSQL (MICROFAB_TEST_POSTGRES_URL) on procrastinate,
run by the worker inside the API process (``queue_api_concurrency``).
"""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.tasks
from api.app import create_app
from api.auth import Principal
from api.db import JobRow, WebhookDeliveryRow
from api.errors import ParseUnavailableError
from api.queue import Backoff
from api.settings import Settings
from geometry.errors import CorruptFileError
from tests.api.conftest import make_key, settings_for

FAST = {"job_attempts": 3, "job_backoff_s": 0.4, "worker_heartbeat_s": 0.5, "webhook_attempts": 3,
        "webhook_backoff_s": 0.05, "webhook_allow_private": True}


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 500 to every POST whose path ends in /down, 204 otherwise; keeps each request's headers."""

    seen: list[tuple[str, dict[str, str]]] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["content-length"]))
        type(self).seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(500 if self.path.endswith("/down") else 204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def queue_settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(database_url, tmp_path_factory.mktemp("queue"), **FAST)


@pytest.fixture(scope="module")
def qc(queue_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(queue_settings)) as c:
        yield c


def _submit(client: TestClient, owner_key: dict[str, str], kind: str = "parse") -> str:
    """A job of the caller with ``owner_key``, queued as a route queues one (its body patched by the test)."""
    svc = client.app.state.service
    job_id = svc.new_job(kind, _principal(client, owner_key), {"n": 1})
    assert client.get(f"/v1/jobs/{job_id}", headers=owner_key).json()["status"] == "queued"
    client.portal.call(svc.jobs.submit, job_id)
    return job_id


def _principal(client: TestClient, key: dict[str, str]) -> Principal:
    from api.auth import authenticate

    return authenticate(client.app.state.service.sessions, key["Authorization"].removeprefix("Bearer "))


def _watch(client: TestClient, job_id: str, key: dict[str, str], timeout_s: float = 60) -> tuple[list[str], dict]:
    """Poll /v1/jobs/{id} until the job ends: the states seen (in order, without repeats) and the last view."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/v1/jobs/{job_id}", headers=key).json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return seen, job
        time.sleep(0.02)


def test_backoff_doubles_and_gives_up() -> None:
    b = Backoff(attempts=4, first_s=0.5)
    assert [b.delay_s(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert not b.gives_up(3) and b.gives_up(4)


def test_a_transient_error_is_retried_with_backoff_and_every_state_is_visible(qc: TestClient,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[float] = []

    async def flaky(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        runs.append(time.monotonic())
        await asyncio.sleep(0.3)  # long enough for the poller to see "running"
        if len(runs) < 3:
            raise ParseUnavailableError("no parse worker could be started: try again in a minute")
        return {"runs": len(runs)}

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", flaky)
    key = make_key(qc, "buyer")
    seen, job = _watch(qc, _submit(qc, key), key)
    assert job["status"] == "succeeded" and job["result"] == {"runs": 3} and job["attempts"] == 3, job
    assert seen[-6:] == ["running", "retrying", "running", "retrying", "running", "succeeded"], seen
    gaps = [b - a for a, b in zip(runs, runs[1:], strict=False)]
    assert gaps[0] >= 0.3 + 0.4 * 0.9 and gaps[1] >= 0.3 + 0.8 * 0.9, gaps  # waits of 0.4 s, then 0.8 s


def test_a_job_failing_every_run_is_dead_lettered_with_its_reason(qc: TestClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        raise ConnectionError("the blob store is unreachable")

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", down)
    key = make_key(qc, "buyer")
    seen, job = _watch(qc, _submit(qc, key), key)
    assert job["status"] == "failed" and job["attempts"] == 3, job
    assert job["error"]["code"] == "internal_error" and job["error"]["attempts"] == 3
    assert "ConnectionError" in job["error"]["detail"] and "unreachable" in job["error"]["detail"]
    assert "retrying" in seen


def test_a_bad_input_fails_at_once(qc: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreadable(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        raise CorruptFileError("x.step: not a STEP file: export it again", file="x.step")

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", unreadable)
    key = make_key(qc, "buyer")
    seen, job = _watch(qc, _submit(qc, key), key)
    assert job["status"] == "failed" and job["attempts"] == 1 and "retrying" not in seen, (seen, job)
    assert job["error"]["code"] == CorruptFileError.code and job["error"]["attempts"] == 1


def test_webhooks_carry_an_idempotency_key_and_are_dead_lettered(qc: TestClient, receiver: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    async def ok(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", ok)
    key = make_key(qc, "buyer")
    good = qc.post("/v1/webhooks", json={"url": f"{receiver}/up"}, headers=key).json()["id"]
    bad = qc.post("/v1/webhooks", json={"url": f"{receiver}/down"}, headers=key).json()["id"]
    _, job = _watch(qc, _submit(qc, key), key)
    assert job["status"] == "succeeded"
    qc.portal.call(qc.app.state.service.queue.drain)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        views = {h: qc.get(f"/v1/webhooks/{h}/deliveries", headers=key).json() for h in (good, bad)}
        if all(v and v[0]["status"] != "pending" for v in views.values()):
            break
        time.sleep(0.05)
    assert [(d["status"], d["attempts"]) for d in views[good]] == [("delivered", 1)], views
    assert [(d["status"], d["attempts"]) for d in views[bad]] == [("failed", 3)], views
    assert views[bad][0]["last_error"] == "HTTP 500"
    tries = [h for path, h in _Receiver.seen if path == "/down" and h["microfab-webhook-id"] == bad]
    assert len(tries) == 3 and {h["idempotency-key"] for h in tries} == {views[bad][0]["id"]}
    assert all(h["idempotency-key"] == h["microfab-delivery-id"] for h in tries)


def test_unfinished_jobs_and_deliveries_run_again_after_a_restart(queue_settings: Settings, receiver: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A job and a delivery written by a process that died before running them (SQLite: resumed at the next
    start; PostgreSQL: queued by the workers' sweep) end anyway."""
    async def ok(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", ok)
    settings = queue_settings.model_copy(update={"queue_sweep_after_s": 0.5})
    with TestClient(create_app(settings)) as c:
        key = make_key(c, "buyer")
        who = _principal(c, key)
        hook = c.post("/v1/webhooks", json={"url": f"{receiver}/up"}, headers=key).json()["id"]
        svc = c.app.state.service
        job_id = svc.new_job("parse", who, {"n": 2})  # never queued: its process "died" here
        with svc.sessions.begin() as session:
            session.add(WebhookDeliveryRow(id="d" * 16, webhook_id=hook, job_id=job_id, status="pending",
                                           attempts=0, last_error="", body='{"event": "job.finished"}'))
            session.get(JobRow, job_id).status = "running"  # cut off mid-run
    with TestClient(create_app(settings)) as c:
        _, job = _watch(c, job_id, key)
        assert job["status"] == "succeeded" and job["attempts"] == 1, job
        deadline = time.monotonic() + 30
        while True:
            d = c.get(f"/v1/webhooks/{hook}/deliveries", headers=key).json()
            if all(x["status"] != "pending" for x in d) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert {x["id"]: x["status"] for x in d}["d" * 16] == "delivered"  # the delivery left by the dead process
        assert [x["status"] for x in d] == ["delivered", "delivered"]  # and the one of the job's end


def test_a_job_whose_worker_died_runs_again(qc: TestClient, queue_settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: a task left ``doing`` by a worker that stopped sending heartbeats is queued again."""
    if not queue_settings.database_url.startswith("postgresql"):
        pytest.skip("stalled workers are procrastinate's (PostgreSQL); SQLite resumes at start (test above)")
    import psycopg

    from api.queue import psycopg_conninfo

    async def ok(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", ok)
    key = make_key(qc, "buyer")
    svc = qc.app.state.service
    job_id = svc.new_job("parse", _principal(qc, key), {"n": 3})
    with psycopg.connect(psycopg_conninfo(queue_settings.database_url), autocommit=True) as conn:
        dead = conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW() - INTERVAL '1 hour') "
                            "RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id) "
                     "VALUES ('microfab', 'microfab.run_job', %s, 'doing', %s)",
                     (psycopg.types.json.Jsonb({"job_id": job_id}), dead))
    with svc.sessions.begin() as session:
        row = session.get(JobRow, job_id)
        row.status, row.attempts, row.task_id = "running", 1, "stalled"
    seen, job = _watch(qc, job_id, key, timeout_s=60)
    assert job["status"] == "succeeded" and job["attempts"] == 2, (seen, job)


def test_a_job_cut_off_on_every_run_is_abandoned_with_a_reason(qc: TestClient) -> None:
    key = make_key(qc, "buyer")
    svc = qc.app.state.service
    job_id = svc.new_job("parse", _principal(qc, key), {"n": 4})
    with svc.sessions.begin() as session:
        row = session.get(JobRow, job_id)
        row.status, row.attempts = "running", 3  # its worker died during each of its 3 runs
    qc.portal.call(svc.jobs.submit, job_id)
    _, job = _watch(qc, job_id, key)
    assert job["status"] == "failed" and job["error"]["code"] == "job_abandoned", job
    assert job["error"]["attempts"] == 3 and "stopped 3 times" in job["error"]["detail"]


def test_a_run_cut_short_outside_the_body_runs_again(qc: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database gone while a job ends (its row still "running"): the queue runs the task again, so the job
    still ends instead of staying "running" for ever."""
    import api.queue
    from api.jobs import Jobs

    async def ok(svc: Any, job_id: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    real = Jobs.finish
    calls: list[str] = []

    async def flaky_finish(self: Jobs, job_id: str, *args: Any) -> bool:
        calls.append(job_id)
        if len(calls) == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        return await real(self, job_id, *args)

    monkeypatch.setitem(api.tasks.JOB_KINDS, "parse", ok)
    monkeypatch.setattr(api.queue, "UNEXPECTED_RETRY_S", 0.1)
    monkeypatch.setattr(Jobs, "finish", flaky_finish)
    key = make_key(qc, "buyer")
    _, job = _watch(qc, _submit(qc, key), key)
    assert job["status"] == "succeeded" and job["attempts"] == 2 and len(calls) == 2, job


def test_worker_needs_postgresql(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    assert main(["worker", "--database-url", f"sqlite:///{tmp_path}/w.db"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err


def test_a_job_of_before_durable_jobs_fails_at_the_next_start(queue_settings: Settings) -> None:
    """A job row with no stored arguments (accepted before migration 0004) cannot run again: it fails with
    ``job_interrupted`` when a server or worker starts, never stays running."""
    with TestClient(create_app(queue_settings)) as c:
        key = make_key(c, "buyer")
        svc = c.app.state.service
        job_id = svc.new_job("calibration", _principal(c, key), None)
        with svc.sessions.begin() as session:
            session.get(JobRow, job_id).status = "running"
    with TestClient(create_app(queue_settings)) as c:
        job = c.get(f"/v1/jobs/{job_id}", headers=key).json()
        assert job["status"] == "failed" and job["error"]["code"] == "job_interrupted", job

"""Async jobs (202 + job URL for large or slow files) and signed webhooks retried with back-off."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_key
from api.webhooks import verify
from tests.api.conftest import assert_problem, settings_for, wait_job


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    fail_first = 1

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).received.append((headers, body))
        attempts = sum(h.get("microfab-delivery-id") == headers.get("microfab-delivery-id")
                       for h, _ in type(self).received)
        failing = attempts <= type(self).fail_first  # the first attempt of each delivery fails
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def jobs_client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("jobs")
    settings = settings_for(database_url, tmp, async_threshold_bytes=1000, sync_wait_s=0.5, parse_timeout_s=3,
                            parser_test_hooks=True, webhook_backoff_s=0.05, webhook_attempts=3,
                            webhook_allow_private=True,  # the receiver listens on loopback
                            parse_workers_prestart=True)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def buyer(jobs_client: TestClient) -> dict[str, str]:
    new = create_key(jobs_client.app.state.service.sessions, "buyer")
    return {"Authorization": f"Bearer {new.key}"}


def test_large_upload_is_a_job_and_a_signed_webhook_tells_when_done(jobs_client: TestClient, buyer, receiver,
                                                                   plate_step: bytes) -> None:
    assert_problem(jobs_client.post("/v1/webhooks", json={"url": receiver}), 401, "unauthorized")
    assert_problem(jobs_client.post("/v1/webhooks", json={"url": "ftp://x"}, headers=buyer), 422, "invalid_request")
    hook = jobs_client.post("/v1/webhooks", json={"url": receiver}, headers=buyer)
    assert hook.status_code == 201 and hook.json()["secret"].startswith("whsec_")
    secret, hook_id = hook.json()["secret"], hook.json()["id"]
    assert [h["id"] for h in jobs_client.get("/v1/webhooks", headers=buyer).json()] == [hook_id]
    assert jobs_client.get("/v1/webhooks", headers=buyer).json()[0]["secret"] is None

    r = jobs_client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer)
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "parse" and r.headers["location"] == r.json()["url"]
    job = wait_job(jobs_client, r.headers["location"], buyer)
    assert job["status"] == "succeeded", job
    part = jobs_client.get(job["result"]["url"], headers=buyer)
    assert part.status_code == 200 and part.json()["format"] == "step"

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        deliveries = jobs_client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=buyer).json()
        if deliveries and deliveries[0]["status"] != "pending":
            break
        time.sleep(0.05)
    assert deliveries[0]["status"] == "delivered" and deliveries[0]["attempts"] == 2, deliveries
    headers, body = _Receiver.received[-1]
    assert verify(secret, body, headers["microfab-signature"])
    assert not verify("whsec_wrong", body, headers["microfab-signature"])
    assert b'"job.finished"' in body and job["id"].encode() in body


def test_quote_of_a_large_file_is_a_job(jobs_client: TestClient, buyer, block_step: bytes) -> None:
    r = jobs_client.post("/v1/quotes", files={"file": ("block.step", block_step)},
                         data={"material": "al6061", "quantities": "1,10"}, headers=buyer)
    assert r.status_code == 202, r.text
    job = wait_job(jobs_client, r.headers["location"], buyer)
    assert job["status"] == "succeeded", job
    q = jobs_client.get(job["result"]["url"], headers=buyer)
    assert q.status_code == 200 and q.json()["part"]["filename"] == "block.step"


@pytest.mark.slow
def test_slow_parse_answers_202_then_fails_cleanly(jobs_client: TestClient, buyer) -> None:
    r = jobs_client.post("/v1/parts", files={"file": ("slow.step", b"MICROFAB-TEST-HANG")}, headers=buyer)
    assert r.status_code == 202, r.text
    job = wait_job(jobs_client, r.headers["location"], buyer)
    assert job["status"] == "failed" and job["error"]["code"] == "parse_timeout"
    other = create_key(jobs_client.app.state.service.sessions, "buyer")
    assert_problem(jobs_client.get(r.headers["location"], headers={"Authorization": f"Bearer {other.key}"}),
                   404, "not_found")


def test_delete_webhook(jobs_client: TestClient, buyer, receiver) -> None:
    hook = jobs_client.post("/v1/webhooks", json={"url": receiver}, headers=buyer).json()
    assert jobs_client.delete(f"/v1/webhooks/{hook['id']}", headers=buyer).status_code == 204
    assert_problem(jobs_client.delete(f"/v1/webhooks/{hook['id']}", headers=buyer), 404, "not_found")

"""The webhook SSRF guard: URLs on internal addresses are refused at registration and at delivery.

No test here sends traffic anywhere: refused addresses are never contacted, and the
public host names resolve through a replaced resolver.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import webhooks
from api.db import WebhookRow
from api.webhooks import WebhookUrlError, check_url
from tests.api.conftest import assert_problem

REFUSED = [
    "http://127.0.0.1:9/hook",
    "http://127.8.9.10/hook",
    "http://localhost:9/hook",
    "http://[::1]:9/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 written as one integer
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_addresses_are_refused(client: TestClient, keys, url: str) -> None:
    body = assert_problem(client.post("/v1/webhooks", json={"url": url}, headers=keys["buyer"]), 422,
                          "webhook_url_not_allowed")
    assert "MICROFAB_WEBHOOK_ALLOW_PRIVATE" in body["detail"]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1/x", "http:///x"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(WebhookUrlError, match="http"):
        check_url(url, allow_private=True)


def test_non_http_scheme_is_422_through_the_api(client: TestClient, keys) -> None:
    assert_problem(client.post("/v1/webhooks", json={"url": "file:///etc/passwd"}, headers=keys["buyer"]), 422,
                   "invalid_request")


def test_a_name_resolving_to_a_private_address_is_refused(client: TestClient, keys, monkeypatch) -> None:
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: ["93.184.215.14", "10.0.0.5"])
    body = assert_problem(client.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"},
                                      headers=keys["buyer"]), 422, "webhook_url_not_allowed")
    assert "10.0.0.5" in body["detail"]


def test_unresolvable_host_is_refused(monkeypatch) -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("name or service not known")

    monkeypatch.setattr(webhooks, "_resolve", fail)
    with pytest.raises(WebhookUrlError, match="does not resolve"):
        check_url("https://nowhere.example.com/x")


def test_setting_allows_private_addresses() -> None:
    check_url("http://127.0.0.1:9/hook", allow_private=True)
    check_url("http://10.1.2.3/hook", allow_private=True)


def test_delivery_rechecks_the_address(client: TestClient, keys, monkeypatch) -> None:
    """A host that resolved to a public address at registration and to loopback later is not called."""
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: ["93.184.215.14"])
    r = client.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"}, headers=keys["buyer"])
    assert r.status_code == 201, r.text
    hook_id = r.json()["id"]
    svc = client.app.state.service
    with svc.sessions() as session:
        owner = session.get(WebhookRow, hook_id).owner
    monkeypatch.setattr(webhooks, "_resolve", lambda host, port: ["127.0.0.1"])
    sent: list[str] = []

    async def refuse_to_send(*args, **kwargs):  # noqa: ANN002, ANN003
        sent.append(str(args))
        raise AssertionError("a refused address must not be contacted")

    monkeypatch.setattr(webhooks.httpx.AsyncClient, "post", refuse_to_send)

    async def fire() -> None:
        await svc.webhooks.job_finished(owner, {"id": "f" * 24, "status": "succeeded"})
        await svc.queue.drain()

    client.portal.call(fire)
    deliveries = client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=keys["buyer"]).json()
    assert [d["status"] for d in deliveries] == ["failed"], deliveries
    assert "loopback" in deliveries[0]["last_error"] and not sent
    assert client.delete(f"/v1/webhooks/{hook_id}", headers=keys["buyer"]).status_code == 204

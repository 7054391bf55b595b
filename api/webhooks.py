"""Webhooks: tell a client when an async job finishes. Signed with HMAC-SHA256, retried with back-off.

Each delivery is a POST of JSON ``{"event": "job.finished", "job": {...}}`` with the headers
``Microfab-Webhook-Id``, ``Microfab-Delivery-Id`` and ``Microfab-Signature: t=<unix>,v1=<hex>``
where ``v1 = HMAC_SHA256(secret, f"{t}." + body)``; a receiver recomputes it and rejects
old timestamps. A 2xx answer ends the delivery; anything else is retried after
``backoff_s * 2**attempt`` seconds, ``attempts`` times in all.

A webhook URL must be http(s) and its host must resolve only to public addresses
(no loopback, private, link-local, multicast, reserved or otherwise non-global
address) unless the setting ``webhook_allow_private`` allows them: checked when
the webhook is registered and again before every delivery attempt (DNS can
change). Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db import WebhookDeliveryRow, WebhookRow
from api.metrics import Metrics
from quoting.errors import InvalidRequestError

log = logging.getLogger(__name__)


class WebhookUrlError(InvalidRequestError):
    """A webhook URL that microfab will not call (scheme, or a host that is not a public address)."""

    code = "webhook_url_not_allowed"


def _resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the seam tests replace)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _why_not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:
        return "not global"
    return None


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise ``WebhookUrlError`` unless ``url`` is http(s) to a host that resolves to public addresses only."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as err:
        raise WebhookUrlError(f"webhook URL {url[:200]!r} is not a valid URL: give https://host/path",
                              field="url") from err
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookUrlError(f"webhook URL {url[:200]!r}: give an http(s) URL with a host, e.g. "
                              "https://example.com/hook", field="url")
    if allow_private:
        return
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%", 1)[0])
                         for a in _resolve(host, port or (443 if parts.scheme == "https" else 80))]
        except (OSError, UnicodeError, ValueError) as err:
            raise WebhookUrlError(f"webhook host {host!r} does not resolve: check the URL", field="url",
                                  host=host) from err
    if not addresses:
        raise WebhookUrlError(f"webhook host {host!r} does not resolve: check the URL", field="url", host=host)
    for ip in addresses:
        why = _why_not_public(ip)
        if why:
            raise WebhookUrlError(f"webhook host {host!r} resolves to a {why} address ({ip}): give a URL on a "
                                  "public address (MICROFAB_WEBHOOK_ALLOW_PRIVATE=true allows internal ones)",
                                  field="url", host=host, address=str(ip))


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance_s: int = 300) -> bool:
    """What a receiver does: check the signature and the age of the timestamp."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - t) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, t), header)


@dataclass(eq=False)
class Dispatcher:
    """Delivers job events to the webhooks of the job's owner, retrying with exponential back-off."""

    sessions: sessionmaker[Session]
    metrics: Metrics
    attempts: int
    backoff_s: float
    timeout_s: float
    allow_private: bool = False
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def job_finished(self, owner: str, job: dict[str, Any]) -> None:
        """Queue a delivery to every webhook of ``owner`` (fire and forget)."""
        if owner == "anonymous":
            return
        with self.sessions() as session:
            hooks = list(session.scalars(select(WebhookRow).where(WebhookRow.owner == owner)))
        body = json.dumps({"event": "job.finished", "job": job}, sort_keys=True).encode()
        for hook in hooks:
            delivery_id = secrets.token_hex(8)
            with self.sessions.begin() as session:
                session.add(WebhookDeliveryRow(id=delivery_id, webhook_id=hook.id, job_id=job["id"],
                                               status="pending", attempts=0, last_error=""))
            task = asyncio.get_running_loop().create_task(self._deliver(hook.id, hook.url, hook.secret,
                                                                        delivery_id, body))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _deliver(self, hook_id: str, url: str, secret: str, delivery_id: str, body: bytes) -> None:
        error = ""
        async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as client:
            for attempt in range(self.attempts):
                if attempt:
                    await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                headers = {"content-type": "application/json", "microfab-webhook-id": hook_id,
                           "microfab-delivery-id": delivery_id, "microfab-signature": sign(secret, body),
                           "user-agent": "microfab-webhooks/1"}
                try:
                    await asyncio.get_running_loop().run_in_executor(None, check_url, url, self.allow_private)
                except WebhookUrlError as err:  # DNS changed since registration: never retried
                    error = err.message
                    break
                try:
                    r = await client.post(url, content=body, headers=headers)
                    if 200 <= r.status_code < 300:
                        self._record(delivery_id, "delivered", attempt + 1, "")
                        self.metrics.webhook_deliveries.labels(outcome="delivered").inc()
                        return
                    error = f"HTTP {r.status_code}"
                except httpx.HTTPError as err:
                    error = f"{type(err).__name__}: {err}"
                self._record(delivery_id, "pending", attempt + 1, error)
        self._record(delivery_id, "failed", self.attempts, error)
        self.metrics.webhook_deliveries.labels(outcome="failed").inc()
        log.warning("webhook %s: delivery %s failed after %d attempts: %s", hook_id, delivery_id, self.attempts,
                    error)

    def _record(self, delivery_id: str, status: str, attempts: int, error: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(WebhookDeliveryRow, delivery_id)
            if row is not None:
                row.status, row.attempts, row.last_error = status, attempts, error[:2000]

    async def close(self) -> None:
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

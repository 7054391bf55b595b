"""Webhooks: tell a client when an async job finishes. Signed with HMAC-SHA256, retried with back-off.

Each delivery is a POST of JSON ``{"event": "job.finished", "job": {...}}`` with the headers
``Microfab-Webhook-Id``, ``Microfab-Delivery-Id`` (also sent as ``Idempotency-Key``: the same on
every try of one delivery, so a receiver can drop an event it saw already) and
``Microfab-Signature: t=<unix>,v1=<hex>`` where ``v1 = HMAC_SHA256(secret, f"{t}." + body)``; a
receiver recomputes it and rejects old timestamps. A 2xx answer ends the delivery; anything else
is retried after ``backoff_s * 2**(attempt - 1)`` seconds, ``attempts`` times in all, then the
delivery is ``failed`` with its last error (the dead letter). Each try is a task of the job
queue (``api.queue``), so deliveries survive a restart: at least once.

A webhook URL must be http(s) and its host must resolve only to public addresses
(no loopback, private, link-local, multicast, reserved or otherwise non-global
address) unless the setting ``webhook_allow_private`` allows them: checked when
the webhook is registered and again before every delivery attempt (DNS can
change); a delivery then connects to the address that was checked (``pinned``), so
DNS rebinding cannot move it. An IPv6 address that embeds an IPv4 one (mapped,
compatible, 6to4, Teredo, NAT64) is judged by the IPv4 address too. Redirects are
not followed.
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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import WebhookDeliveryRow, WebhookRow
from api.metrics import Metrics
from api.queue import Backoff, Queue, RetryLater, TaskName
from quoting.errors import InvalidRequestError

log = logging.getLogger(__name__)


class WebhookUrlError(InvalidRequestError):
    """A webhook URL that microfab will not call (scheme, or a host that is not a public address)."""

    code = "webhook_url_not_allowed"


def _resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the seam tests replace)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


#: NAT64 prefixes (RFC 6052 well-known /96, RFC 8215 local-use /48): the IPv4 address sits in the last 32 bits
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: IPv4-mapped or -compatible, 6to4, Teredo (client), NAT64."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (int(ip) >> 32 == 0 and int(ip) > 1):  # NAT64, IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _why_not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` is not a public address (None when it is); an IPv6 address is judged with the IPv4 it embeds."""
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            candidates.insert(0, inner)
    for addr in candidates:
        for name in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
            if getattr(addr, f"is_{name}"):
                return name.replace("_", "-")
        if not addr.is_global:
            return "not global"
    return None


def check_url(url: str, allow_private: bool = False) -> list[str]:
    """The addresses of ``url``'s host, checked: ``WebhookUrlError`` unless http(s) to public addresses only.

    A delivery connects to one of these addresses (``pinned``), never resolving the name
    again, so a DNS answer that changes after the check (rebinding) cannot redirect it.
    With ``allow_private`` nothing is resolved and the list is empty (connect by name).
    """
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
        return []
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
    return [str(ip) for ip in addresses]


def pinned(url: str, addresses: list[str]) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """(URL on the checked address, its Host header, request extensions with the TLS server name).

    With no addresses (private addresses allowed), the URL as given: httpx resolves the name itself.
    """
    target = httpx.URL(url)
    if not addresses:
        return target, {}, {}
    netloc = target.netloc.decode("ascii")
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return target.copy_with(host=addresses[0]), {"host": netloc}, extensions


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


def record_deliveries(session: Session, owner: str, job: dict[str, Any]) -> list[str]:
    """Write a pending delivery of the event "job ``job`` finished" for every webhook of ``owner``, in the
    caller's transaction (the outbox: written with the job's end, so a crash cannot lose it); their ids."""
    if owner == "anonymous":
        return []
    body = json.dumps({"event": "job.finished", "job": job}, sort_keys=True)
    ids: list[str] = []
    for hook_id in session.scalars(select(WebhookRow.id).where(WebhookRow.owner == owner)):
        delivery_id = secrets.token_hex(8)
        session.add(WebhookDeliveryRow(id=delivery_id, webhook_id=hook_id, job_id=job["id"], status="pending",
                                       attempts=0, last_error="", body=body))
        ids.append(delivery_id)
    return ids


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt: delivered, or the error and whether trying again is pointless."""

    delivered: bool
    error: str = ""
    permanent: bool = False


@dataclass(eq=False)
class Dispatcher:
    """Delivers job events to the webhooks of the job's owner: one queue task per delivery, retried with
    exponential back-off, dead-lettered (``failed``, with the last error) after ``attempts`` tries.

    Delivered at least once: a receiver may see an event twice (a worker that died after
    the POST and before recording it); the ``Idempotency-Key`` header (the delivery id,
    the same on every try) tells it so.
    """

    sessions: sessionmaker[Session]
    metrics: Metrics
    attempts: int
    backoff_s: float
    timeout_s: float
    allow_private: bool = False
    #: the HTTP transport (tests give a mock one); None: httpx's own
    transport: httpx.AsyncBaseTransport | None = None
    #: set by ``Service.start_queue``
    queue: Queue | None = None

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.attempts, self.backoff_s)

    async def job_finished(self, owner: str, job: dict[str, Any]) -> list[str]:
        """Write and queue a delivery of ``job``'s end to every webhook of ``owner``; their ids."""
        with self.sessions.begin() as session:
            ids = record_deliveries(session, owner, job)
        for delivery_id in ids:
            await self.submit(delivery_id)
        return ids

    async def submit(self, delivery_id: str) -> None:
        """Queue the delivery's task and note the queue's id for it."""
        assert self.queue is not None, "the queue is not started"
        task_id = await self.queue.submit(TaskName.DELIVER, delivery_id)
        if task_id is not None:
            with self.sessions.begin() as session:
                session.execute(update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == delivery_id)
                                .values(task_id=task_id))

    async def deliver(self, delivery_id: str) -> None:
        """The task body: one attempt of a pending delivery; ``RetryLater`` while tries are left."""
        with self.sessions() as session:
            row = session.get(WebhookDeliveryRow, delivery_id)
            hook = session.get(WebhookRow, row.webhook_id) if row is not None else None
        if row is None or hook is None or row.status != "pending":
            return  # delivered already (a second copy of the task), or the webhook was deleted
        attempt = (row.attempts or 0) + 1
        outcome = await self.attempt(hook.id, hook.url, hook.secret, delivery_id, (row.body or "{}").encode())
        if outcome.delivered:
            self._record(delivery_id, "delivered", attempt, "")
            self.metrics.webhook_deliveries.labels(outcome="delivered").inc()
            return
        if outcome.permanent or self.backoff.gives_up(attempt):
            self._record(delivery_id, "failed", attempt, outcome.error)
            self.metrics.webhook_deliveries.labels(outcome="failed").inc()
            log.warning("webhook %s: delivery %s failed after %d attempts: %s", hook.id, delivery_id, attempt,
                        outcome.error)
            return
        self._record(delivery_id, "pending", attempt, outcome.error)
        raise RetryLater(self.backoff.delay_s(attempt), outcome.error)

    async def attempt(self, hook_id: str, url: str, secret: str, delivery_id: str, body: bytes) -> Attempt:
        """POST the event once, to the address checked now (``pinned``)."""
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, check_url, url, self.allow_private)
        except WebhookUrlError as err:  # DNS changed since registration: never retried
            return Attempt(False, err.message, permanent=True)
        target, host, extensions = pinned(url, addresses)
        headers = {"content-type": "application/json", "microfab-webhook-id": hook_id,
                   "microfab-delivery-id": delivery_id, "idempotency-key": delivery_id,
                   "microfab-signature": sign(secret, body), "user-agent": "microfab-webhooks/1", **host}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False,
                                         transport=self.transport) as client:
                r = await client.post(target, content=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as err:
            return Attempt(False, f"{type(err).__name__}: {err}")
        if 200 <= r.status_code < 300:
            return Attempt(True)
        return Attempt(False, f"HTTP {r.status_code}")

    def _record(self, delivery_id: str, status: str, attempts: int, error: str) -> None:
        with self.sessions.begin() as session:
            row = session.get(WebhookDeliveryRow, delivery_id)
            if row is not None:
                row.status, row.attempts, row.last_error = status, attempts, error[:2000]

    async def close(self) -> None:
        """Nothing to stop: deliveries are tasks of the queue, which the service closes."""
        return None

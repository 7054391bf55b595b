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


@dataclass(eq=False)
class Dispatcher:
    """Delivers job events to the webhooks of the job's owner, retrying with exponential back-off."""

    sessions: sessionmaker[Session]
    metrics: Metrics
    attempts: int
    backoff_s: float
    timeout_s: float
    allow_private: bool = False
    #: the HTTP transport (tests give a mock one); None: httpx's own
    transport: httpx.AsyncBaseTransport | None = None
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
        async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False,
                                     transport=self.transport) as client:
            for attempt in range(self.attempts):
                if attempt:
                    await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                try:
                    addresses = await asyncio.get_running_loop().run_in_executor(None, check_url, url,
                                                                                 self.allow_private)
                except WebhookUrlError as err:  # DNS changed since registration: never retried
                    error = err.message
                    break
                target, host, extensions = pinned(url, addresses)
                headers = {"content-type": "application/json", "microfab-webhook-id": hook_id,
                           "microfab-delivery-id": delivery_id, "microfab-signature": sign(secret, body),
                           "user-agent": "microfab-webhooks/1", **host}
                try:
                    r = await client.post(target, content=body, headers=headers, extensions=extensions)
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

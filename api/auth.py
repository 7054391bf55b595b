"""API keys (stored as sha256, shown once) and roles: buyer, owner (one workshop), admin."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from api.db import ApiKeyRow, autocommit, now_utc, retry_dropped
from api.errors import UnauthorizedError
from api.lookup import get_or_404, workshop_row
from quoting.errors import InvalidRequestError

KEY_PREFIX = "mfk_"


class Role(enum.Enum):
    BUYER = "buyer"
    OWNER = "owner"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key's id, role and workshop, or anonymous."""

    key_id: str | None
    role: Role | None
    workshop_id: str | None = None

    @property
    def owner(self) -> str:
        """The name stored with what this caller creates (idempotency keys, jobs, webhooks)."""
        return self.key_id or "anonymous"

    @property
    def anonymous(self) -> bool:
        return self.key_id is None

    def can_manage(self, workshop_id: str) -> bool:
        return self.role is Role.ADMIN or (self.role is Role.OWNER and self.workshop_id == workshop_id)


ANONYMOUS = Principal(None, None)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    id: str
    key: str
    role: Role
    workshop_id: str | None


def create_key(factory: sessionmaker[Session], role: str, workshop_id: str | None = None,
               label: str = "") -> NewKey:
    """Store a new key's hash and return the key (the only time it is visible)."""
    try:
        r = Role(role)
    except ValueError:
        raise InvalidRequestError(f"unknown role {role!r}: use buyer, owner or admin", field="role") from None
    if r is Role.OWNER and not workshop_id:
        raise InvalidRequestError("an owner key needs --workshop ID", field="workshop")
    if r is not Role.OWNER and workshop_id:
        raise InvalidRequestError("only owner keys belong to a workshop: drop --workshop", field="workshop")
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    with factory.begin() as session:
        if workshop_id:
            workshop_row(session, workshop_id)
        session.add(ApiKeyRow(id=key_id, key_sha256=hash_key(key), role=r.value, workshop_id=workshop_id,
                              label=label))
    return NewKey(key_id, key, r, workshop_id)


def list_keys(factory: sessionmaker[Session]) -> list[ApiKeyRow]:
    with factory() as session:
        return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))


def revoke_key(factory: sessionmaker[Session], key_id: str) -> None:
    with factory.begin() as session:
        get_or_404(session, ApiKeyRow, key_id, f"no API key {key_id!r}", key=key_id).revoked_at = now_utc()


def authenticate(factory: sessionmaker[Session], key: str) -> Principal:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise UnauthorizedError("malformed API key: send `Authorization: Bearer mfk_...`")
    bind = autocommit(factory.kw["bind"])  # one read, every request: no ORM session, no BEGIN / ROLLBACK

    def read() -> Row[str, str, str | None, dt.datetime | None] | None:
        with bind.connect() as connection:
            return connection.execute(_KEY_BY_HASH, {"key_sha256": hash_key(key)}).first()

    row = retry_dropped(read)
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("unknown or revoked API key: ask an admin for a new one (`microfab keys create`)")
    return Principal(row.id, Role(row.role), row.workshop_id)


#: the key row read by ``authenticate`` (one statement object: its cache key is computed once)
_KEY_BY_HASH = select(ApiKeyRow.id, ApiKeyRow.role, ApiKeyRow.workshop_id, ApiKeyRow.revoked_at) \
    .where(ApiKeyRow.key_sha256 == bindparam("key_sha256"))

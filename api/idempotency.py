"""Idempotency keys: the same key with the same request answers the first quote again.

A key belongs to its owner (an API key id, or "anonymous"); the request is kept as
its fingerprint, so the same key with another request is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.db import IdempotencyRow, QuoteRow
from api.errors import IdempotencyConflictError
from api.quotes import quote_view


def request_fingerprint(part: str, fields: dict[str, Any]) -> str:
    """sha256 of a quote request (the part and its fields), to recognise the same request again."""
    return hashlib.sha256(json.dumps({"part": part, **fields}, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyKeys:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def replay(self, owner: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """The quote first answered to ``key``, or None for a new key.

        Raises ``IdempotencyConflictError`` when the key was used with another request.
        """
        with self.sessions() as session:
            idem = session.get(IdempotencyRow, (owner, key))
            if idem is None:
                return None
            if idem.request_sha256 != request_hash:
                raise IdempotencyConflictError(
                    "this Idempotency-Key was used with a different request: use a new key for a new request",
                    idempotency_key=key)
            row = session.get(QuoteRow, idem.quote_id)
        return quote_view(row) if row is not None else None

    @staticmethod
    def remember(session: Session, owner: str, key: str, request_hash: str, quote_id: str) -> None:
        """In the transaction that stores quote ``quote_id``: ``key`` answers it from now on."""
        session.add(IdempotencyRow(owner=owner, key=key, request_sha256=request_hash, quote_id=quote_id))

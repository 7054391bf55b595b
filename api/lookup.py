"""Finding stored rows by id: a malformed id is not found, and a missing row is one ``NotFoundError``."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from api.db import WorkshopRow
from quoting.errors import NotFoundError

RowT = TypeVar("RowT")

_IDS = {
    "part": re.compile(r"^[0-9a-f]{64}$"),
    "quote": re.compile(r"^[0-9a-f]{32}$"),
    "job": re.compile(r"^[0-9a-f]{24}$"),
    "workshop": re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$"),
    "webhook": re.compile(r"^[0-9a-f]{16}$"),
}


def check_id(kind: str, value: str) -> str:
    """A malformed id is simply not found (and never reaches the database)."""
    if not _IDS[kind].match(value):
        raise NotFoundError(f"no {kind} {value[:80]!r}", **{f"{kind}_id": value[:80]})
    return value


def get_or_404(session: Session, row_type: type[RowT], key: Any, message: str, /, *, lock: bool = False,
               **fields: Any) -> RowT:
    """The row of ``row_type`` with primary key ``key``, or ``NotFoundError(message, **fields)``.

    With ``lock`` the row is read ``FOR UPDATE`` (the transaction changes it).
    """
    row = session.get(row_type, key, with_for_update=lock)
    if row is None:
        raise NotFoundError(message, **fields)
    return row


def workshop_row(session: Session, workshop_id: str, *, lock: bool = False) -> WorkshopRow:
    """A workshop's row, or the one ``NotFoundError`` for a workshop id that names none."""
    check_id("workshop", workshop_id)
    return get_or_404(session, WorkshopRow, workshop_id, f"no workshop {workshop_id!r}: see GET /v1/workshops",
                      lock=lock, workshop=workshop_id)

"""Stored quotes as the API shows them, and the rate cards that price new ones."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db import QuoteRow, WorkshopRow, aware, now_utc, retry_dropped
from api.encoding import extend_object
from api.lookup import check_id, get_or_404
from api.ratecard_versions import Versions, VersionsReader
from quoting.ratecard import RateCard


def _view_members(valid_until: dt.datetime, ratecard_versions: Any, part_id: str | None) -> dict[str, Any]:
    """What the API adds to a stored quote's document: its status, the rate card versions, the part."""
    expired = aware(valid_until) < now_utc()
    return {"status": "expired" if expired else "valid", "ratecard_versions": ratecard_versions, "part_id": part_id}


def quote_view(row: QuoteRow) -> dict[str, Any]:
    """The stored quote as the API shows it: the document, its status and the rate card versions."""
    return {**row.quote, **_view_members(row.valid_until, row.ratecard_versions, row.part_id)}


@dataclass(frozen=True)
class QuoteAnswer:
    """A quote as the API answers it: its id and ``quote_view``'s document, encoded (JSON bytes)."""

    id: str
    body: bytes

    @classmethod
    def of_view(cls, view: dict[str, Any]) -> "QuoteAnswer":
        """The answer of a view made by ``quote_view`` (a replayed quote)."""
        return cls(str(view["id"]), orjson.dumps(view, option=orjson.OPT_NON_STR_KEYS))

    @classmethod
    def of_new(cls, quote_id: str, doc: bytes, valid_until: dt.datetime, ratecard_versions: dict[str, int],
               part_id: str) -> "QuoteAnswer":
        """The answer of a quote just stored from its encoded document ``doc`` (the bytes ``quote_view``
        of its row would encode to, without decoding the document: the hot path of every quote)."""
        return cls(quote_id, extend_object(doc, _view_members(valid_until, ratecard_versions, part_id)))


def stored_quote(sessions: sessionmaker[Session], quote_id: str) -> QuoteRow:
    check_id("quote", quote_id)
    with sessions() as session:
        return get_or_404(session, QuoteRow, quote_id, f"no quote {quote_id!r}", quote_id=quote_id)


#: one insert statement for every quote: SQLAlchemy computes a new statement's cache key (its dialect options
#: first, ~0.5 ms) once per object, so a statement built per quote paid it on every quote
INSERT_QUOTE = insert(QuoteRow)


def insert_quote(bind: Engine, values: dict[str, Any]) -> None:
    """Store a new quote row in a transaction of its own (``bind``: ``api.db.autocommit`` of the engine, so on
    PostgreSQL the insert is one round trip); a connection dropped under it is tried once more. Its id already
    stored means an earlier try was committed (its answer lost with the connection): stored, not an error."""

    def once() -> None:
        with bind.begin() as connection:  # Core: the ORM session's unit of work costs more than the insert
            connection.execute(INSERT_QUOTE, [values])

    try:
        retry_dropped(once)
    except IntegrityError:
        if not _stored(bind, str(values["id"])):
            raise


def _stored(bind: Engine, quote_id: str) -> bool:
    with bind.connect() as connection:
        return connection.execute(select(QuoteRow.id).where(QuoteRow.id == quote_id)).first() is not None


class RateCards:
    """The workshops' current rate cards, each parsed once per version."""

    def __init__(self, sessions: sessionmaker[Session], check_s: float, direct_threads: int = 2) -> None:
        self.sessions = sessions
        self.check_s = check_s
        #: the versions are one read (``api.ratecard_versions``)
        self._reader = VersionsReader(sessions.kw["bind"], direct_threads)
        self._cards: dict[str, tuple[int, RateCard]] = {}
        #: (monotonic time of the check, cards, versions, the rows read): reused for ``check_s``
        self._checked: tuple[float, list[RateCard], dict[str, int], Versions] | None = None

    def current(self) -> tuple[list[RateCard], dict[str, int]]:
        """The current rate cards (sorted by workshop id) and their versions.

        The versions are read from the database at most every ``check_s`` seconds; a rate card
        stored by this process is seen at once (``forget``), one stored by another server process
        within that delay. A quote names the versions that priced it either way.
        """
        checked = self._checked
        if checked is not None and time.monotonic() - checked[0] < self.check_s:
            return checked[1], checked[2]
        started = time.monotonic()
        rows = self._reader.read()
        if checked is not None and rows == checked[3]:  # nothing changed: the same objects as before
            self._checked = (started, checked[1], checked[2], rows)
            return checked[1], checked[2]
        cards = dict(self._cards)
        stale = [wid for wid, v in rows if cards.get(wid, (None,))[0] != v]
        if stale:
            with self.sessions() as session:
                for w in session.scalars(select(WorkshopRow).where(WorkshopRow.id.in_(stale))):
                    cards[w.id] = (w.ratecard_version, RateCard.from_dict(w.ratecard, w.id))
        versions = {wid: v for wid, v in rows}
        cards = {wid: cards[wid] for wid in versions if wid in cards}
        self._cards = cards
        current = [cards[wid][1] for wid in sorted(cards)]
        self._checked = (started, current, versions, rows)
        return current, versions

    def close(self) -> None:
        self._reader.close()

    def forget(self) -> None:
        """A rate card changed: the next quote reads the versions again."""
        self._checked = None

"""Stored quotes as the API shows them, and the rate cards that price new ones."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db import QuoteRow, WorkshopRow, aware, now_utc
from api.lookup import check_id, get_or_404
from quoting.ratecard import RateCard


def quote_view(row: QuoteRow) -> dict[str, Any]:
    """The stored quote as the API shows it: the document, its status and the rate card versions."""
    expired = aware(row.valid_until) < now_utc()
    return {**row.quote, "status": "expired" if expired else "valid", "ratecard_versions": row.ratecard_versions,
            "part_id": row.part_id}


def stored_quote(sessions: sessionmaker[Session], quote_id: str) -> QuoteRow:
    check_id("quote", quote_id)
    with sessions() as session:
        return get_or_404(session, QuoteRow, quote_id, f"no quote {quote_id!r}", quote_id=quote_id)


class RateCards:
    """The workshops' current rate cards, each parsed once per version."""

    def __init__(self, sessions: sessionmaker[Session], check_s: float) -> None:
        self.sessions = sessions
        self.check_s = check_s
        self._cards: dict[str, tuple[int, RateCard]] = {}
        #: (monotonic time of the check, cards, versions): reused for ``check_s``
        self._checked: tuple[float, list[RateCard], dict[str, int]] | None = None

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
        with self.sessions() as session:
            rows = session.execute(select(WorkshopRow.id, WorkshopRow.ratecard_version)).all()
            cards = dict(self._cards)
            stale = [wid for wid, v in rows if cards.get(wid, (None,))[0] != v]
            if stale:
                for w in session.scalars(select(WorkshopRow).where(WorkshopRow.id.in_(stale))):
                    cards[w.id] = (w.ratecard_version, RateCard.from_dict(w.ratecard, w.id))
        versions = {wid: v for wid, v in rows}
        cards = {wid: cards[wid] for wid in versions if wid in cards}
        self._cards = cards
        current = [cards[wid][1] for wid in sorted(cards)]
        self._checked = (started, current, versions)
        return current, versions

    def forget(self) -> None:
        """A rate card changed: the next quote reads the versions again."""
        self._checked = None

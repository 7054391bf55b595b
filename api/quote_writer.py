"""Group commit of new quote rows: one transaction for every quote waiting to be stored.

A quote is answered only once its row is committed (an acknowledged quote survives a
power loss on SQLite's ``synchronous=FULL`` and PostgreSQL's ``synchronous_commit``). Each
commit costs a flush to disk (SQLite: an fsync of the WAL; PostgreSQL: a WAL flush and the
round trips): under a burst of re-quotes, the rows that arrive while one commit runs wait
for the next and are committed together, so the flush is paid once per group, not per
quote. A quote that comes alone is written at once: no delay is added to wait for company.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from sqlalchemy.engine import Engine

from api.db import autocommit
from api.quotes import INSERT_QUOTE, QuoteAnswer, insert_quote

#: the most rows in one group (one multi-row INSERT)
MAX_GROUP_ROWS = 64


@dataclass(frozen=True)
class PendingQuote:
    """A priced quote and the write of its row (None: stored already, or a replay); ``counted`` is
    incremented once the row is stored."""

    answer: QuoteAnswer
    replayed: bool
    write: Future[None] | None = None
    counted: Counter | None = None

    def result(self) -> tuple[QuoteAnswer, bool]:
        """(answer, replayed) once the row is stored (blocks; raises what storing it raised)."""
        if self.write is not None:
            self.write.result()
            self._count()
        return self.answer, self.replayed

    async def stored(self) -> tuple[QuoteAnswer, bool]:
        """``result`` for a coroutine: the event loop waits without blocking."""
        if self.write is not None:
            await asyncio.wrap_future(self.write)
            self._count()
        return self.answer, self.replayed

    def _count(self) -> None:
        if self.counted is not None:
            self.counted.inc()


class QuoteWriter:
    """A thread that stores the quote rows handed to ``submit``, all those waiting in one transaction."""

    def __init__(self, engine: Engine, max_rows: int = MAX_GROUP_ROWS) -> None:
        self._engine = engine
        #: a row alone: one autocommit INSERT (one round trip on PostgreSQL)
        self._bind = autocommit(engine)
        self._max_rows = max_rows
        self._waiting: list[tuple[dict[str, Any], Future[None]]] = []
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="quote-writer", daemon=True)
        self._thread.start()

    def submit(self, values: dict[str, Any]) -> Future[None]:
        """Store the row ``values`` (``api.db.QuoteRow``'s columns); done once it is committed."""
        done: Future[None] = Future()
        with self._wake:
            if self._closed:
                raise RuntimeError("the quote writer is closed")
            self._waiting.append((values, done))
            self._wake.notify()
        return done

    def close(self) -> None:
        """Store what waits, then stop the thread."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._closed:
                    self._wake.wait()
                if not self._waiting:
                    return
                group, self._waiting = self._waiting[:self._max_rows], self._waiting[self._max_rows:]
            self._store(group)

    def _store(self, group: list[tuple[dict[str, Any], Future[None]]]) -> None:
        if len(group) == 1:
            _settle(group[0][1], lambda: insert_quote(self._bind, group[0][0]))
            return
        try:
            with self._engine.begin() as connection:  # one transaction for the group
                connection.execute(INSERT_QUOTE, [values for values, _ in group])
        except Exception:  # noqa: BLE001  # one row's fault must not fail the others: each alone, its own answer
            for values, done in group:
                _settle(done, lambda v=values: insert_quote(self._bind, v))
            return
        for _, done in group:
            done.set_result(None)


def _settle(done: Future[None], work: Any) -> None:
    try:
        work()
    except BaseException as err:  # noqa: BLE001  # handed to the request that waits for it
        done.set_exception(err)
    else:
        done.set_result(None)


__all__ = ["MAX_GROUP_ROWS", "PendingQuote", "QuoteWriter"]

"""A pool of parse worker processes with a per-file time limit and memory limit.

Each worker is a process forked from a fork server that has already imported the
geometry stack, so starting (or replacing) one is cheap. A worker that passes its
time limit is killed and replaced (``ParseTimeoutError``); one that dies
(segfault, abort) is replaced (``ParserCrashedError``). The server process never
parses a file itself (unless ``parse_workers`` is 0, for tests).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geometry.errors as gerrors
import quoting.errors as qerrors
from api.errors import ParseQueueFullError, ParseUnavailableError
from api.metrics import Metrics
from geometry.errors import MicrofabError, ParserCrashedError, ParseTimeoutError

log = logging.getLogger(__name__)
_ctx_lock = threading.Lock()
_ctx: Any = None
#: what a refused parse is told to wait before trying again [s]
RETRY_AFTER_S = 10.0


def _context():  # noqa: ANN202
    global _ctx
    with _ctx_lock:
        if _ctx is None:
            ctx = multiprocessing.get_context("forkserver")
            # the fork server imports and warms the stack once (``api.worker_preload``): workers fork warm
            ctx.set_forkserver_preload(["api.worker_preload"])
            _ctx = ctx
        return _ctx


def start_fork_server() -> None:
    """Start the parse workers' fork server now, in the background: it imports and warms the geometry stack
    while this process goes on (``microfab serve`` calls it first, so the two start-ups overlap)."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


@dataclass(frozen=True)
class Parsed:
    features: dict[str, Any]
    glb: bytes
    #: a file of several distinct solids: [{"count": n, "features": {...}}, ...]; else []
    components: list[dict[str, Any]] = field(default_factory=list)


def _rebuild(kind: str, code: str, message: str, fields: dict[str, Any]) -> MicrofabError:
    """The worker's error again, as the same class where this process knows it (its code kept)."""
    cls = next((getattr(m, kind) for m in (gerrors, qerrors) if isinstance(getattr(m, kind, None), type)), None)
    err = cls(message, **fields) if cls is not None and issubclass(cls, MicrofabError) else \
        MicrofabError(message, **fields)
    err.code = code
    return err


class _Worker:
    def __init__(self, memory_mb: int, start_timeout_s: float) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        from api import parse_worker

        self.proc = ctx.Process(target=parse_worker.main, args=(child, memory_mb), daemon=True,
                                name="microfab-parse")
        self.proc.start()
        child.close()
        if not self.conn.poll(start_timeout_s):
            self.kill()
            raise RuntimeError("a parse worker did not start in time")
        self.conn.recv()

    def call(self, job: dict[str, Any], timeout_s: float) -> tuple:
        self.conn.send(job)
        if not self.conn.poll(timeout_s):
            raise TimeoutError
        return self.conn.recv()

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class ParsePool:
    def __init__(self, workers: int, timeout_s: float, memory_mb: int, max_bytes: int,
                 test_hooks: bool = False, metrics: Metrics | None = None, max_waiting: int | None = None) -> None:
        self.size = workers
        #: parses that may wait for a busy worker (None: no bound); past it ``ParseQueueFullError``
        self.max_waiting = max_waiting
        self._in_flight = 0
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.max_bytes = max_bytes
        self.test_hooks = test_hooks
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._spawned = 0
        self.metrics = metrics or Metrics()

    async def start(self, prestart: bool = True) -> None:
        """Ready the pool; with ``prestart`` spawn every worker now, else each on first need."""
        self._idle = asyncio.Queue()
        self._spawned = 0
        if prestart and self.size:
            loop = asyncio.get_running_loop()
            self._spawned = self.size
            workers = await asyncio.gather(*(loop.run_in_executor(None, self._spawn) for _ in range(self.size)),
                                           return_exceptions=True)
            for w in workers:
                if isinstance(w, _Worker):
                    self._idle.put_nowait(w)
                else:
                    self._spawned -= 1
                    log.error("a parse worker did not start: %s", w)

    async def _acquire(self) -> _Worker:
        assert self._idle is not None, "the parse pool is not started"
        if self._idle.empty() and self._spawned < self.size:
            self._spawned += 1
            try:
                return await asyncio.get_running_loop().run_in_executor(None, self._spawn)
            except Exception as err:
                self._spawned -= 1
                log.exception("could not start a parse worker")
                raise ParseUnavailableError("no parse worker could be started: try again in a minute") from err
        return await self._idle.get()

    def _spawn(self) -> _Worker:
        w = _Worker(self.memory_mb, start_timeout_s=180)
        self._all.add(w)
        self._count_workers()
        return w

    def _count_workers(self) -> None:
        self.metrics.parse_workers.set(len(self._all))

    def alive(self) -> bool:
        """Whether parses can run: a worker is up or can be started."""
        return self.size == 0 or (self._idle is not None and (len(self._all) > 0 or self._spawned < self.size))

    async def parse(self, source: Path | bytes, filename: str, units: str | None,
                    thickness_mm: float | None = None) -> Parsed:
        """Parse a file (a path the worker reads, or bytes) in a worker; ``ParseQueueFullError`` when the
        queue of waiting parses is full."""
        capacity = max(self.size, 1) + (self.max_waiting if self.max_waiting is not None else 1 << 30)
        if self._in_flight >= capacity:
            self.metrics.parse_refused.inc()
            raise ParseQueueFullError(f"{filename}: every parse worker is busy and {self.max_waiting} files wait "
                                      f"already: try again in {RETRY_AFTER_S:.0f} s", retry_after_s=RETRY_AFTER_S)
        self._in_flight += 1
        try:
            return await self._parse(source, filename, units, thickness_mm)
        finally:
            self._in_flight -= 1

    async def _parse(self, source: Path | bytes, filename: str, units: str | None,
                     thickness_mm: float | None) -> Parsed:
        where = {"path": str(source)} if isinstance(source, Path) else {"data": source}
        job: dict[str, Any] = {**where, "filename": filename, "units": units, "max_bytes": self.max_bytes,
                               "test_hooks": self.test_hooks, "thickness_mm": thickness_mm}
        if self.size == 0:
            from api import parse_worker

            def inline() -> dict[str, Any]:
                return parse_worker.parse(**(job | {"test_hooks": False}))

            out = await asyncio.get_running_loop().run_in_executor(None, inline)
            return Parsed(out["features"], out["glb"], out.get("components", []))
        idle = self._idle
        assert idle is not None, "the parse pool is not started"
        worker = await self._acquire()
        loop = asyncio.get_running_loop()
        while not worker.alive():  # died while idle (killed from outside): replace before use
            await self._replace(worker)
            worker = await self._acquire()
        replace = False
        try:
            answer = await loop.run_in_executor(None, worker.call, job, self.timeout_s)
        except TimeoutError:
            replace = True
            self.metrics.parse_timeouts.inc()
            raise ParseTimeoutError(
                f"{filename}: parsing took longer than the {self.timeout_s:g} s limit: simplify or split the file",
                file=filename, limit_s=self.timeout_s) from None
        except (EOFError, OSError, BrokenPipeError):
            replace = True
            self.metrics.parse_crashes.inc()
            raise ParserCrashedError(
                f"{filename}: the CAD kernel crashed on this file: re-export it (another format or CAD tool)",
                file=filename) from None
        finally:
            if replace or not worker.alive():
                await self._replace(worker)
            else:
                idle.put_nowait(worker)
        if answer[0] == "ok":
            return Parsed(answer[1]["features"], answer[1]["glb"], answer[1].get("components", []))
        raise _rebuild(*answer[1:])

    async def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        self._count_workers()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, worker.kill)
        try:
            fresh = await loop.run_in_executor(None, self._spawn)
        except Exception:  # a replacement that cannot start: the next parse tries again
            log.exception("could not start a replacement parse worker")
            self._spawned -= 1
            return
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for w in list(self._all):
            try:
                w.conn.send(None)
            except OSError:
                pass
            await loop.run_in_executor(None, w.kill)
        self._all.clear()
        self._count_workers()

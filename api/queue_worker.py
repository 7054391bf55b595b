"""A queue worker process (``microfab worker``): runs the jobs and webhook deliveries queued in PostgreSQL.

It builds what the task bodies need, as an API process does (database, parse worker
pool, webhooks, ``Service``), then runs procrastinate's worker loop
(``PostgresQueue.run_worker``): ``concurrency`` tasks at once, a heartbeat every
``worker_heartbeat_s``; it puts back in the queue the tasks of workers silent for
``worker_stalled_s`` (killed, or their machine gone) and queues what an API process
wrote and died before queueing. SIGINT or SIGTERM stops it: the tasks it was running
go back to the queue for another worker.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from api.settings import Settings
from geometry.errors import InputError


async def run(settings: Settings, concurrency: int, name: str | None = None) -> None:
    """Run queued tasks until SIGINT/SIGTERM."""
    from api.db import init_db, make_engine
    from api.metrics import Metrics
    from api.service import Service
    from api.webhooks import Dispatcher
    from api.workers import ParsePool

    if not settings.database_url.startswith("postgresql"):
        raise InputError("microfab worker needs PostgreSQL (--database-url postgresql+psycopg://...): on SQLite "
                         "the server runs its jobs itself")
    log = logging.getLogger(__name__)
    engine = make_engine(settings.database_url)
    sessions = init_db(engine, settings.seed_demo)  # migrates (one process at a time) and applies the queue schema
    settings.blob_dir.mkdir(parents=True, exist_ok=True)
    metrics = Metrics()
    pool = ParsePool(settings.parse_workers, settings.parse_timeout_s, settings.parse_memory_mb,
                     settings.max_upload_bytes, settings.parser_test_hooks, metrics, settings.parse_queue_max)
    await pool.start(prestart=True)
    hooks = Dispatcher(sessions, metrics, settings.webhook_attempts, settings.webhook_backoff_s,
                       settings.webhook_timeout_s, settings.webhook_allow_private)
    service = Service(settings.model_copy(update={"queue_api_concurrency": 0}), sessions, pool, metrics, hooks)
    service.reload_cost_models()
    await service.start_queue()
    worker = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: worker.cancel() if worker else None)
    label = name or f"microfab-worker@{socket.gethostname()}"
    log.info("%s: running queued tasks (%d at once) from %s", label, concurrency, engine.url.render_as_string())
    try:
        await service.run_queue_worker(concurrency, label)
    except asyncio.CancelledError:
        log.info("%s: stopping", label)
    finally:
        await service.close()
        await pool.close()
        engine.dispose()


__all__ = ["run"]

"""``microfab worker``: run queued jobs and webhook deliveries (PostgreSQL; see ``api.queue_worker``)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("worker", help="run queued jobs and webhook deliveries (PostgreSQL)")
    s.add_argument("--database-url", default=None,
                   help="PostgreSQL URL, as given to `microfab serve` (default $MICROFAB_DATABASE_URL)")
    s.add_argument("--concurrency", type=int, default=None,
                   help="tasks run at once (default: $MICROFAB_PARSE_WORKERS, the parse processes of this worker)")
    s.add_argument("--name", default=None, help="the worker's name in logs and in procrastinate_workers")
    s.set_defaults(func=worker_cmd)


def worker_cmd(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from api import queue_worker
    from api.settings import Settings, get_settings

    base = get_settings()
    settings = Settings(**(base.model_dump() | ({"database_url": args.database_url} if args.database_url else {})))
    concurrency = max(1, args.concurrency or settings.parse_workers or 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(queue_worker.run(settings, concurrency, args.name))
    return 0

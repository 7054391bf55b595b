"""``microfab serve``: the HTTP API (package ``api``, imported only when this command runs)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="run the HTTP API")
    s.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default 8000)")
    s.add_argument("--database-url", default=None, help="SQLAlchemy URL (default: SQLite file in ./var)")
    s.add_argument("--workers", type=int, default=None,
                   help="uvicorn worker processes (default 1, or $MICROFAB_SERVER_PROCESSES); more than one needs "
                        "PostgreSQL: every process reads rate cards, models, keys and jobs from the shared state")
    s.set_defaults(func=serve_cmd)


def serve_cmd(args: argparse.Namespace) -> int:
    _start_fork_server(args)
    from api import server  # uvicorn and the app: imported when this command runs

    return int(server.run(host=args.host, port=args.port, database_url=args.database_url,
                          processes=args.workers) or 0)


def _start_fork_server(args: argparse.Namespace) -> None:
    """One server process with parse workers: start their fork server first, so that it imports and warms the
    geometry stack while this process imports the web stack and migrates the database (``api.workers``)."""
    from api.settings import get_settings

    settings = get_settings()
    if (args.workers or settings.server_processes) <= 1 and settings.parse_workers:
        from api.workers import start_fork_server

        start_fork_server()

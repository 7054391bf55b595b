"""Run the API with uvicorn (``microfab serve``).

``MICROFAB_SERVER_PROCESSES`` > 1 runs that many uvicorn worker processes (one
core each); the database is migrated and seeded once, before they start, and
the parse workers are shared out between them. Set ``PROMETHEUS_MULTIPROC_DIR``
to a folder of its own so that ``/metrics`` adds up every process's counts (it
is emptied here, before the processes start).
"""

from __future__ import annotations

import logging
import os

from api.settings import Settings, get_settings
from geometry.errors import InputError

_ENV_OVERRIDES = "MICROFAB_SERVER_OVERRIDES"


def run(host: str | None = None, port: int | None = None, database_url: str | None = None,
        processes: int | None = None) -> int:
    import uvicorn

    from api.app import create_app
    from api.shared_state import stateless_overrides

    base = get_settings()
    overrides = {k: v for k, v in {"host": host, "port": port, "database_url": database_url,
                                   "server_processes": processes}.items() if v}
    url = str(overrides.get("database_url", base.database_url))
    count = int(overrides.get("server_processes", base.server_processes))
    if count > 1 and url.startswith("sqlite"):
        raise InputError(f"--workers {count} needs PostgreSQL (--database-url postgresql+psycopg://...): "
                         "SQLite serves one process")
    overrides |= stateless_overrides(count)
    if "MICROFAB_PARSE_WORKERS_PRESTART" not in os.environ:
        overrides["parse_workers_prestart"] = True  # a server warms its parse workers before serving
    settings = Settings(**(base.model_dump() | overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger(__name__)
    from sqlalchemy.engine import make_url

    log.info("microfab API on http://%s:%d (database %s, %d process(es))", settings.host, settings.port,
             make_url(settings.database_url).render_as_string(hide_password=True), settings.server_processes)
    if settings.server_processes <= 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
        return 0
    from api.db import init_db, make_engine
    from api.metrics import Metrics, multiprocess_dir

    if multiprocess_dir() is None:
        log.warning("metrics: each of the %d processes counts its own; set PROMETHEUS_MULTIPROC_DIR to an empty "
                    "folder to add them up", settings.server_processes)
    Metrics.clear_multiprocess_dir()
    engine = make_engine(settings.database_url)
    init_db(engine, settings.seed_demo)  # once, before the processes start (jobs left running: api.queue)
    engine.dispose()
    per_process = max(1, settings.parse_workers // settings.server_processes) if settings.parse_workers else 0
    os.environ[_ENV_OVERRIDES] = Settings(**(settings.model_dump() | {"parse_workers": per_process})) \
        .model_dump_json()
    uvicorn.run("api.server:app_from_env", factory=True, host=settings.host, port=settings.port,
                workers=settings.server_processes, log_level="info")
    return 0


def app_from_env():  # noqa: ANN201
    """The app of one uvicorn worker process (settings handed over by ``run``)."""
    from api.app import create_app

    raw = os.environ.get(_ENV_OVERRIDES)
    return create_app(Settings.model_validate_json(raw) if raw else get_settings())

"""Run the API with uvicorn (``microfab serve``)."""

from __future__ import annotations

import logging
import os

from api.settings import Settings, get_settings


def run(host: str | None = None, port: int | None = None, database_url: str | None = None) -> int:
    import uvicorn

    from api.app import create_app

    base = get_settings()
    overrides = {k: v for k, v in {"host": host, "port": port, "database_url": database_url}.items() if v}
    if "MICROFAB_PARSE_WORKERS_PRESTART" not in os.environ:
        overrides["parse_workers_prestart"] = True  # a server warms its parse workers before serving
    settings = Settings(**(base.model_dump() | overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger(__name__).info("microfab API on http://%s:%d (database %s)", settings.host, settings.port,
                                     settings.database_url)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0

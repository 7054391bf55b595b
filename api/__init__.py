"""The HTTP API (FastAPI): routes, storage, settings. Business logic stays in ``quoting``."""

from api.app import create_app
from api.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]

"""The ways in: the HTTP API (FastAPI routes, storage, settings) and the ``microfab`` command line.

Business logic stays in ``quoting``. The public names are imported on first use
(PEP 562), so ``microfab --help`` does not load FastAPI or SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app
    from api.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        value: Any = create_app
    elif name in ("Settings", "get_settings"):
        from api import settings

        value = getattr(settings, name)
    else:
        raise AttributeError(f"module 'api' has no attribute {name!r}")
    globals()[name] = value
    return value

"""Quoting: materials, process models, rate cards, workshops, pricing and the quote engine.

Nothing here knows about HTTP or the database. The public names are imported
on first use (PEP 562), so `microfab --help` does not load the CAD kernels.
The engine's ``quote`` (features in, Quote out) is ``quoting.engine.quote``:
the package name ``quoting.quote`` is the module of the Quote records.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quoting.engine import quote_file
    from quoting.materials import Material, get_material, materials
    from quoting.process_kinds import Process
    from quoting.quote import QUOTE_SCHEMA, Quote
    from quoting.ratecard import RateCard
    from quoting.request import QuoteRequest
    from quoting.workshops import demo_workshops, load_workshops

_WHERE = {
    "Material": "quoting.materials",
    "Process": "quoting.process_kinds",
    "QUOTE_SCHEMA": "quoting.quote",
    "Quote": "quoting.quote",
    "QuoteRequest": "quoting.request",
    "RateCard": "quoting.ratecard",
    "demo_workshops": "quoting.workshops",
    "get_material": "quoting.materials",
    "load_workshops": "quoting.workshops",
    "materials": "quoting.materials",
    "quote_file": "quoting.engine",
}

__all__ = [
    "Material",
    "Process",
    "QUOTE_SCHEMA",
    "Quote",
    "QuoteRequest",
    "RateCard",
    "demo_workshops",
    "get_material",
    "load_workshops",
    "materials",
    "quote_file",
]
assert sorted(__all__) == sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'quoting' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value

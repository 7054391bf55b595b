"""Quoting: materials, process models, rate cards, workshops, pricing and the quote engine.

Nothing here knows about HTTP or the database.
"""

from quoting.engine import quote, quote_file
from quoting.materials import Material, get_material, materials
from quoting.process_kinds import Process
from quoting.quote import QUOTE_SCHEMA, Quote, QuoteRequest
from quoting.ratecard import RateCard
from quoting.workshops import demo_workshops, load_workshops

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
    "quote",
    "quote_file",
]

"""Geometry: load CAD files and measure them into ``PartFeatures``.

Nothing here knows about prices, workshops or HTTP. ``split_solids`` (which
loads the CAD kernel) is imported on first use (PEP 562); the other names are
light and imported here (``extract`` must be: it shares its name with the
``geometry.extract`` module).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geometry.errors import MicrofabError
from geometry.extract import extract
from geometry.features import FEATURES_SCHEMA, FileFormat, PartFeatures
from geometry.findings import Finding, Severity
from geometry.loaders import load, load_bytes
from geometry.measure import MeasureCache, Measured, measure, measure_part
from geometry.part import Part
from geometry.units import LengthUnit
from geometry.version import geometry_version

if TYPE_CHECKING:
    from geometry.brep import split_solids

__all__ = [
    "FEATURES_SCHEMA",
    "FileFormat",
    "Finding",
    "LengthUnit",
    "MeasureCache",
    "Measured",
    "MicrofabError",
    "Part",
    "PartFeatures",
    "Severity",
    "extract",
    "geometry_version",
    "load",
    "load_bytes",
    "measure",
    "measure_part",
    "split_solids",
]


def __getattr__(name: str) -> Any:
    if name == "split_solids":
        from geometry.brep import split_solids

        globals()[name] = split_solids
        return split_solids
    raise AttributeError(f"module 'geometry' has no attribute {name!r}")

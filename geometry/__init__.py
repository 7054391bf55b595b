"""Geometry: load CAD files and measure them into ``PartFeatures``.

Nothing here knows about prices, workshops or HTTP.
"""

from geometry.brep import split_solids
from geometry.errors import MicrofabError
from geometry.extract import extract
from geometry.features import FEATURES_SCHEMA, FileFormat, PartFeatures
from geometry.findings import Finding, Severity
from geometry.loaders import load, load_bytes
from geometry.part import Part
from geometry.units import LengthUnit

__all__ = [
    "FEATURES_SCHEMA",
    "FileFormat",
    "Finding",
    "LengthUnit",
    "MicrofabError",
    "Part",
    "PartFeatures",
    "Severity",
    "extract",
    "load",
    "load_bytes",
    "split_solids",
]

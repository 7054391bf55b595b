"""File loaders: sniff the format from content, enforce limits, parse into a ``Part``."""

from geometry.loaders.load import MAX_FILE_BYTES, load, load_bytes
from geometry.loaders.sniff import sniff_format

__all__ = ["MAX_FILE_BYTES", "load", "load_bytes", "sniff_format"]

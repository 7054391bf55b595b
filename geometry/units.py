"""Length units: microfab computes in millimetres; other units are converted on load."""

from __future__ import annotations

import enum

from geometry.errors import UnitsError


class LengthUnit(enum.Enum):
    MM = "mm"
    CM = "cm"
    M = "m"
    UM = "um"
    IN = "in"
    FT = "ft"

    @property
    def to_mm(self) -> float:
        return _TO_MM[self]

    @classmethod
    def parse(cls, value: "str | LengthUnit | None") -> "LengthUnit":
        if isinstance(value, LengthUnit):
            return value
        key = (value or "").strip().lower()
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise UnitsError(
                f"unknown unit {value!r}: use one of mm, cm, m, um, in, ft",
                value=value,
            ) from None


class UnitsSource(enum.Enum):
    """Where the unit of a part came from."""

    FILE = "file"
    REQUEST = "request"
    DEFAULT = "default"


_TO_MM = {
    LengthUnit.MM: 1.0, LengthUnit.CM: 10.0, LengthUnit.M: 1000.0, LengthUnit.UM: 0.001,
    LengthUnit.IN: 25.4, LengthUnit.FT: 304.8,
}
_ALIASES = {
    "millimeter": "mm", "millimetre": "mm", "millimeters": "mm", "millimetres": "mm",
    "centimeter": "cm", "centimetre": "cm",
    "meter": "m", "metre": "m", "meters": "m", "metres": "m",
    "inch": "in", "inches": "in", '"': "in",
    "micrometer": "um", "micrometre": "um", "micron": "um", "µm": "um",
    "foot": "ft", "feet": "ft",
}

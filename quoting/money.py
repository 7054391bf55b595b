"""Money: compute in floats, round once, at the end, with this one function."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_eur(value: float) -> float:
    """Round to the cent, half up (commercial rounding)."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

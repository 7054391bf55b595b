"""Money: compute in floats, round once, at the end, with these functions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

#: float noise below this is dropped before rounding to the cent [EUR]: two sums equal on paper
#: (a minimum order topping up a subtotal, say) must round the same way even at a half cent
NOISE_DECIMALS = 6


def _decimal(value: float) -> Decimal:
    return Decimal(repr(round(float(value), NOISE_DECIMALS)))


def round_eur(value: float) -> float:
    """Round to the cent, half up (commercial rounding)."""
    return float(_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def to_cents(value: float) -> int:
    return int(_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def allocate_cents(amounts_eur: Sequence[float]) -> tuple[list[float], float]:
    """Round ``amounts_eur`` to cents so that they add up exactly to their rounded sum.

    The total is rounded once; the lines get their rounded value, and the few
    cents left over (at most one per line) go to the lines with the largest
    rounding remainders (largest-remainder method). Returns ``(lines, total)``.
    """
    total_cents = to_cents(sum(amounts_eur))
    cents = [to_cents(a) for a in amounts_eur]
    diff = total_cents - sum(cents)
    if diff:
        step = 1 if diff > 0 else -1
        # the lines whose exact value is furthest from its rounded value in the needed direction
        order = sorted(range(len(cents)), key=lambda i: -step * (amounts_eur[i] * 100 - cents[i]))
        for i in order[: abs(diff)]:
            cents[i] += step
    return [c / 100 for c in cents], total_cents / 100

"""Money: compute in floats, round once, at the end, with these functions; then stay exact in integer cents.

The rounding rule of a quote line (``line_cents``):

1. the unit price is the line's exact total divided by the quantity, rounded once to
   the cent, half up (commercial rounding);
2. the line total is that unit price times the quantity, exactly;
3. the breakdown items are each rounded to the cent so that they add up to the
   exact total rounded to the cent (largest remainders get the odd cents);
4. the difference the unit-price rounding makes (at most half a cent per part,
   either sign) goes to the ``margin`` item (``ROUNDING_ITEM``: the workshop's price
   absorbs it), then to the largest items, never turning an item negative
   (``absorb_rounding``).

So ``total_cents == unit_price_cents * quantity`` and ``sum(amount_cents) ==
total_cents`` always hold, and every amount is in ``CURRENCY``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: the currency of every amount of a quote
CURRENCY = "EUR"
#: the breakdown item that absorbs the unit-price rounding of a line
ROUNDING_ITEM = "margin"
#: float noise below this is dropped before rounding to the cent [EUR]: two sums equal on paper
#: (a minimum order topping up a subtotal, say) must round the same way even at a half cent
NOISE_DECIMALS = 6


def _decimal(value: float) -> Decimal:
    return Decimal(repr(round(float(value), NOISE_DECIMALS)))


def round_eur(value: float) -> float:
    """Round to the cent, half up (commercial rounding)."""
    return float(_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def to_cents(value: float) -> int:
    """An amount [EUR] in integer cents, rounded half up.

    Exactly ``Decimal(repr(round(value, NOISE_DECIMALS))).quantize(Decimal("0.01"),
    ROUND_HALF_UP)`` in cents (ties away from zero), without building a Decimal (a quote
    rounds a few hundred amounts): below ``_FAST_LIMIT_EUR`` the float nearest to a
    multiple of 1e-6 times 1e6 is within 0.25 of that integer, so rounding it gives the
    amount's micro-euros exactly; larger and non-finite amounts take the Decimal path.
    """
    value = float(value)
    if -_FAST_LIMIT_EUR < value < _FAST_LIMIT_EUR:
        micros = round(round(value, NOISE_DECIMALS) * _MICROS)
        cents, rest = divmod(abs(micros), _MICROS // 100)
        cents += rest >= _MICROS // 200
        return -cents if micros < 0 else cents
    return int(_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


#: below this magnitude [EUR] ``to_cents`` takes its exact integer path
_FAST_LIMIT_EUR = 1e9
_MICROS: int = 10**NOISE_DECIMALS


def allocate_cents(amounts_eur: Sequence[float]) -> tuple[list[float], float]:
    """Round ``amounts_eur`` to cents so that they add up exactly to their rounded sum.

    The total is rounded once; the lines get their rounded value, and the few
    cents left over (at most one per line) go to the lines with the largest
    rounding remainders (largest-remainder method). Returns ``(lines, total)``.
    """
    cents, total = _allocate(amounts_eur)
    return [c / 100 for c in cents], total / 100


def _allocate(amounts_eur: Sequence[float]) -> tuple[list[int], int]:
    total_cents = to_cents(sum(amounts_eur))
    cents = [to_cents(a) for a in amounts_eur]
    diff = total_cents - sum(cents)
    if diff:
        step = 1 if diff > 0 else -1
        # the lines whose exact value is furthest from its rounded value in the needed direction
        order = sorted(range(len(cents)), key=lambda i: -step * (amounts_eur[i] * 100 - cents[i]))
        for i in order[: abs(diff)]:
            cents[i] += step
    return cents, total_cents


@dataclass(frozen=True)
class LineCents:
    """A line's amounts in integer cents.

    ``total_cents == unit_cents * quantity == sum(item_cents) + rounding_cents``.
    """

    unit_cents: int
    total_cents: int
    item_cents: tuple[int, ...]
    #: what rounding the unit price to the cent adds to the line (at most half a cent per part, either sign)
    rounding_cents: int


def line_cents(amounts_eur: Sequence[float], quantity: int) -> LineCents:
    """The line's unit price, total and breakdown in cents by the rounding rule of this module."""
    items, exact_total_cents = _allocate(amounts_eur)
    unit = to_cents(sum(amounts_eur) / quantity)
    total = unit * quantity
    return LineCents(unit, total, tuple(items), total - exact_total_cents)


def absorb_rounding(names: Sequence[str], cents: Sequence[int], rounding_cents: int) -> list[int]:
    """``cents`` with ``rounding_cents`` added: to the ``ROUNDING_ITEM`` item first, then to the largest items.

    A positive difference goes to one item; a negative one is taken from the items in
    that order without turning any of them negative (possible as long as the line's
    total stays at or above zero).
    """
    out = list(cents)
    if not out:
        return out
    order = sorted(range(len(out)), key=lambda k: (names[k] != ROUNDING_ITEM, -out[k]))
    if rounding_cents > 0:
        out[order[0]] += rounding_cents
        return out
    left = -rounding_cents
    for i in order:
        take = min(max(out[i], 0), left)
        out[i] -= take
        left -= take
    if left:  # only when the line's total is below zero: the first item takes the rest
        out[order[0]] -= left
    return out


__all__ = ["CURRENCY", "ROUNDING_ITEM", "LineCents", "absorb_rounding", "allocate_cents", "line_cents", "round_eur", "to_cents"]

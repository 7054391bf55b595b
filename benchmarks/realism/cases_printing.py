"""More published price points: MJF from a published powder-bed price formula, and a second sheet part (laser +
two bends) at quantities 1 and 10. Registered in ``cases.CASES``; the parts they need join ``parts.BUILDERS``.

MJF: Phasio's documented powder-bed pricing (its HP MJF 5200 numerical example): unit price = shrink-wrap volume
x 0.18 EUR/cm3 + an 80 EUR setup per order line / quantity, no discount below 10 parts, 10 % at 50. The parts
are convex solids, whose shrink wrap is their volume (an open box or an L profile would need the vendor's wrap).
The 80 EUR setup is a per-order fee, which microfab shows as the workshop's order minimum (a line of its own,
kept out of the unit prices compared here), so the cases take the formula at 50 and 100 parts, where the fee
is 1.60 or 0.80 EUR a part; at 1 and 10 parts the fee is most of the published price (81.44 EUR for a 20 mm
cube at 1) and the comparison would measure the two shops' minimums, not their prices.

Sheet: the sources of cases.py (Okdor's prototype range at quantity 1; Elimold's worked per-part rates at 10:
laser 8 USD/min at the chart's mid speed, 1 USD per small hole, 1 USD per bend, material at 1.4 EUR/kg) on a
U channel with two bends. The same sources at 100 parts are in ``cases_quantity.py``.

SLA price points are in ``cases_sla_turning.py`` (a supplier's published per-gram rate on compact solids).
"""

from __future__ import annotations

import math

import cadquery as cq

from benchmarks.realism.cases import SHEET_ELIMOLD, SHEET_OKDOR, USD_EUR, Case, Source
from benchmarks.realism.parts import BUILDERS

MJF_PHASIO = Source(
    "https://docs.phas.io/pricing/deep-dive/process-deep-dives/powder-bed-sls-mjf",
    "powder bed (SLS/MJF, HP MJF 5200 reference): shrinkWrapVolume x 0.18 EUR/cm3 + 80 EUR setup / quantity; "
    "no discount below 10, 10 % at 50 (50x50x100 bracket, 210 cm3: 53.80 EUR at 5, 35.46 EUR at 50)",
)


def sheet_channel(length_mm: float, web_mm: float, flange_mm: float, t_mm: float) -> cq.Workplane:
    """A sheet-metal U channel: a web and two flanges bent up (inside radius = t), two holes in the web."""
    r = t_mm
    w = web_mm
    profile = (cq.Workplane("XZ").moveTo(0, flange_mm).lineTo(0, r + t_mm).radiusArc((r + t_mm, 0), -(r + t_mm))
               .lineTo(w - r - t_mm, 0).radiusArc((w, r + t_mm), -(r + t_mm)).lineTo(w, flange_mm)
               .lineTo(w - t_mm, flange_mm).lineTo(w - t_mm, r + t_mm).radiusArc((w - r - t_mm, t_mm), r)
               .lineTo(r + t_mm, t_mm).radiusArc((t_mm, r + t_mm), r).lineTo(t_mm, flange_mm).close())
    part = profile.extrude(-length_mm)
    return part.faces("<Z").workplane(centerOption="ProjectedOrigin", origin=(0, 0, 0)).pushPoints(
        [(w / 2, -length_mm * 0.25), (w / 2, -length_mm * 0.75)]).hole(6.5)


PARTS = {
    "block40x40x40": lambda: cq.Workplane("XY").box(40.0, 40.0, 40.0),
    "block100x60x30": lambda: cq.Workplane("XY").box(100.0, 60.0, 30.0),
    "cylinder40x60": lambda: cq.Workplane("XY").circle(20.0).extrude(60.0),
    "sheetchannel150x50x30": lambda: sheet_channel(150.0, 50.0, 30.0, 2.0),
}
for _name, _build in PARTS.items():
    BUILDERS.setdefault(_name, _build)


def _mjf(part: str, shrink_wrap_cm3: float, quantity: int) -> Case:
    discount = 0.9 if quantity >= 50 else 1.0
    price = (shrink_wrap_cm3 * 0.18 + 80.0 / quantity) * discount
    return Case(f"mjf {part} q{quantity}", "MJF", "printing_mjf", "pa12", part, quantity, round(price, 2), MJF_PHASIO)


#: shrink-wrap volumes of the convex parts [cm3]: their own volumes
SHRINK_WRAP_CM3 = {"cube20": 8.0, "block40x40x40": 64.0, "block100x60x30": 180.0,
                   "cylinder40x60": math.pi * 2.0**2 * 6.0}


def _elimold(label: str, part: str, cut_m: float, speed_m_min: float, holes: int, bends: int, kg: float,
             quantity: int) -> Case:
    price = (8 * cut_m / speed_m_min + holes * 1 + bends * 1) * USD_EUR + kg * 1.4
    return Case(f"sheet {label} steel q{quantity}", "sheet", "sheet_metal", "s235", part, quantity, round(price, 2),
                SHEET_ELIMOLD)


PRINTING_CASES: tuple[Case, ...] = (
    *(_mjf(part, cm3, q) for part, cm3 in SHRINK_WRAP_CM3.items() for q in (50, 100)),
    # --- sheet: laser + two bends -------------------------------------------------------------------
    Case("sheet channel steel q1", "sheet", "sheet_metal", "s235", "sheetchannel150x50x30", 1,
         round(20 * USD_EUR, 2), SHEET_OKDOR),
    # flat 150 x 103 mm (web 46 + 2 flanges 28 + 2 bend allowances): 506 mm outline + 2 x 20 mm holes = 546 mm
    # at 6 m/min; 2 holes; 2 bends; 150 x 103 x 2 mm steel = 0.24 kg
    _elimold("channel", "sheetchannel150x50x30", 0.546, 6.0, 2, 2, 0.24, 10),
)

__all__ = ["MJF_PHASIO", "PARTS", "PRINTING_CASES", "SHRINK_WRAP_CM3"]

"""SLA price points (issue 13: every family covered), and what was searched for turning.

SLA: Ruitai Mould's published per-weight rate for stereolithography (its guide to how suppliers price 3D-printed
parts: SLA from 0.30 USD a gram, weight = CAD volume x the material's density; no quantity terms). A price by
weight suits compact parts, whose weight follows the resin cured, the platform area and the layers they take;
the cases are the benchmark's three compact solids (20 mm cube, 40 mm cube, Ø40 x 60 mm cylinder) in standard
resin (1.18 g/cm3 in ``quoting/data/materials.toml``), at 1, 10 and 100 parts. The rate is the supplier's
starting rate ("from"), so a ratio a little above 1 is expected. Thin, open parts are not cases: at 0.30 USD a
gram the 50 x 50 x 30 mm open box (22.8 g) would be 6.29 EUR and the 60 x 40 x 30 mm L bracket (16.1 g)
4.43 EUR, where an SLA printer's time and platform share follow the part's height and footprint, not its
weight (microfab: 11.33 and 9.23 EUR at 10, 1.8x and 2.1x): benchmarks/README.md keeps them as notes.

Turning: no published price point or cycle time with the part described well enough to rebuild it (and cutting
data a CNC lathe would use) was found in four searches (benchmarks/README.md, "SLA and turning price points",
"Standard times, turning, unconfirmed data" and "Turning, fourth search", lists the queries and what each best
hit gave), so no turning case is in ``CASES``. One published turning figure is kept apart (``TURNING_FLOOR``,
printed by ``python -m benchmarks.realism`` in the table of points kept out of the targets): Protolabs' CNC
turning page says its turned parts start at 65 USD (quick-turn, 1 to 200+ parts, shipped in 1 to 3 days). That
is the price of the service's cheapest turned part, whatever it is, not of a described part, so it is compared
with the simplest turned part microfab would see, a Ø10 x 20 mm 6061 pin with one chamfered end, at quantity 1
(unit price without the order minimum and shipping, as for the cases): a floor check, not a case.
"""

from __future__ import annotations

import math

import cadquery as cq

from benchmarks.realism.cases import USD_EUR, Case, Source

# the compact solids' builders join parts.BUILDERS there
from benchmarks.realism.cases_printing import PARTS as _PRINTING_PARTS  # noqa: F401
from benchmarks.realism.parts import BUILDERS

SLA_RUITAI = Source(
    "https://www.rtprototype.com/how-do-suppliers-calculate-the-cost-of-3d-printed-parts/",
    "cost per gram (common in China): weight from the CAD volume x material density x a rate per gram; at "
    "Ruitai Mould SLA materials start from 0.3 USD per gram (SLS PA 0.6 USD per gram)",
)
#: standard SLA resin density [g/cm3] (materials.toml resin_standard)
RESIN_G_CM3 = 1.18
USD_PER_G = 0.30

#: the compact solids and their volumes [cm3]
SOLIDS_CM3 = {
    "cube20": 8.0,
    "block40x40x40": 64.0,
    "cylinder40x60": math.pi * 2.0**2 * 6.0,
}


def _sla(part: str, volume_cm3: float, quantity: int) -> Case:
    price = volume_cm3 * RESIN_G_CM3 * USD_PER_G * USD_EUR
    return Case(f"sla {part} q{quantity}", "SLA", "printing_sla", "resin_standard", part, quantity, round(price, 2),
                SLA_RUITAI)


CASES: tuple[Case, ...] = tuple(_sla(part, cm3, q) for part, cm3 in SOLIDS_CM3.items() for q in (1, 10, 100))

TURNING_PROTOLABS = Source(
    "https://www.protolabs.com/cnc-machining/cnc-turning/design-guidelines",
    "CNC turning (lathe with live tooling), 1 to 200+ parts, shipped in 1 to 3 days, parts start at 65 USD; "
    "part diameter 4-75 mm, length 1.3-228 mm (the cheapest turned part, not a described one)",
)
#: published floor of a turned part [USD]
TURNING_FLOOR_USD = 65.0


def turned_pin(diameter_mm: float, length_mm: float, chamfer_mm: float) -> cq.Workplane:
    """The simplest turned part: a plain pin, one end chamfered (facing, turning, chamfer, parting)."""
    return cq.Workplane("XY").circle(diameter_mm / 2).extrude(length_mm).faces(">Z").chamfer(chamfer_mm)


BUILDERS.setdefault("pin10x20", lambda: turned_pin(10.0, 20.0, 0.5))

TURNING_FLOOR: tuple[Case, ...] = (
    Case("turning pin al q1 (Protolabs floor)", "turning", "cnc_turning", "al6061", "pin10x20", 1,
         round(TURNING_FLOOR_USD * USD_EUR, 2), TURNING_PROTOLABS),
)

__all__ = ["CASES", "RESIN_G_CM3", "SLA_RUITAI", "SOLIDS_CM3", "TURNING_FLOOR", "TURNING_FLOOR_USD",
           "TURNING_PROTOLABS", "USD_PER_G", "turned_pin"]

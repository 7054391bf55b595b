"""Published price points and times, each with its source and what the source says.

Prices are unit prices in EUR at the order quantity (USD x 0.92, GBP x 1.17, the rates of
late 2025). ``Kind.MINUTES`` cases compare per-part machine minutes with a published cycle
time; ``Kind.TIME_RATIO`` cases compare machining time against the same part in aluminium.
Parts are built by ``benchmarks.realism.parts`` from the dimensions given here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

USD_EUR = 0.92
GBP_EUR = 1.17


class Kind(enum.Enum):
    PRICE = "EUR"
    MINUTES = "min"
    TIME_RATIO = "x al"


@dataclass(frozen=True)
class Source:
    url: str
    says: str


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    process: str
    material: str
    part: str
    quantity: int
    published: float
    source: Source
    kind: Kind = Kind.PRICE


SLS_3DPEOPLE = Source(
    "https://3dpeople.uk/sls-pricing",
    "SLS PA12 boundary-box pricing: unit price = (X+1)(Y+1)(Z+1) mm3 x 0.00011 GBP (11p per cm3), "
    "any quantity; parts nested in shared builds",
)
FDM_3DOPEN = Source(
    "https://3dopendesign.com/docs/en/pricing/how-pricing-works",
    "FDM price = BaseTime x bbox cm3 / 1000 x 1.3 x 3.90 EUR/h (PLA 6.5, ABS 7.4, PETG 8.7); published examples "
    "5x5x3 cm PLA 2.47, ABS 2.81, PETG 3.31; 8x8x12 cm PLA 25.31; 12x8x5 cm PLA 15.82, ABS 18.01; "
    "20x15x15 cm PLA 148.30 EUR",
)
CNC_PK = Source(
    "https://pkcncmachining.com/cnc-machining-unit-pricing-in-china-a-comprehensive-guide-for-buyers",
    "aluminium housing, 3-axis CNC: qty 1 = 120 USD/unit, qty 10 = 55 USD/unit; a simple aluminium bracket "
    "100x50x20 mm takes about 15 minutes to machine",
)
CNC_FENVA = Source(
    "https://fenvaprecision.com/post-cnc-machining-cost-drivers",
    "a simple bracket might be 10 minutes of spindle time",
)
CNC_CURVE = Source(
    "https://www.lasercalcpro.com/blog/tutorials/cnc-volume-pricing",
    "setup amortisation table: 300 USD setup + 15 USD variable per part: unit cost 315 (1), 45 (10), 18 (100) USD",
)
CNC_XOMETRY = Source(
    "https://www.xometry.com/blog/selecting-the-right-material-for-your-cnc-machined-part-2/",
    "aluminium machines about 4 times faster than carbon steel, and stainless steel half as fast as carbon steel",
)
CNC_MACHINABILITY = Source(
    "https://ficientdesign.com/tag/aluminum",
    "AISI machinability vs 1112 = 100 %: cold-drawn aluminium 360 %, 1018 78 %, 304 annealed 45 % "
    "(time ratio 1 : 4.6 : 8)",
)
SHEET_ELIMOLD = Source(
    "https://elimold.com/how-do-you-calculate-sheet-metal-fabrication-costs/",
    "sheet metal quote: laser cutting 8 USD/minute, each small hole 1 USD; CNC bending 1 USD per side "
    "(laser minutes here: the part's cut length at the mid speed of the chart below; material at 1.4 EUR/kg)",
)
LASER_SPEEDS = Source(
    "https://www.machinemfg.com/laser-cutting-thickness-speed-chart/",
    "fiber laser 3 kW, mild steel Q235: 2 mm 4.8-7.5 m/min, 3 mm 3.3-5.0 m/min",
)
SHEET_OKDOR = Source(
    "https://okdor.com/sheet-metal-fabrication-cost",
    "simple laser-cut brackets start around 15-25 USD per part for prototypes; production runs 5-75 USD per part",
)


def _sls(part: str, dims: tuple[float, float, float], quantity: int) -> Case:
    x, y, z = dims
    price = (x + 1) * (y + 1) * (z + 1) * 0.00011 * GBP_EUR
    return Case(f"sls {part} q{quantity}", "SLS", "printing_sls", "pa12", part, quantity, round(price, 2),
                SLS_3DPEOPLE)


def _fdm(part: str, material: str, price_eur: float, quantity: int = 1) -> Case:
    return Case(f"fdm {part} {material} q{quantity}", "FDM", "printing_fdm", material, part, quantity, price_eur,
                FDM_3DOPEN)


def _fdm_formula(part: str, bbox_cm3: float, base_time: float, material: str, quantity: int) -> Case:
    price = base_time * bbox_cm3 / 1000.0 * 1.3 * 3.90
    return _fdm(part, material, round(price, 2), quantity)


CASES: tuple[Case, ...] = (
    # --- SLS: 3D People's published boundary-box formula (per unit, any quantity) ----------------
    *(_sls("cube20", (20, 20, 20), q) for q in (1, 10, 100)),
    *(_sls("lbracket60x40x30", (60, 40, 30), q) for q in (1, 10, 100)),
    *(_sls("box100x60x30", (100, 60, 30), q) for q in (1, 10, 100)),
    # --- FDM: 3D Open Design's published examples and formula -------------------------------------
    _fdm("box50x50x30", "pla", 2.47),
    _fdm("box50x50x30", "abs", 2.81),
    _fdm("box50x50x30", "petg", 3.31),
    _fdm("box80x80x120", "pla", 25.31),
    _fdm("box120x80x50", "pla", 15.82),
    _fdm("box120x80x50", "abs", 18.01),
    _fdm("box200x150x150", "pla", 148.30),
    _fdm_formula("box50x50x30", 75.0, 6.5, "pla", 10),
    _fdm_formula("box120x80x50", 480.0, 6.5, "pla", 10),
    _fdm_formula("box80x80x120", 768.0, 6.5, "pla", 100),
    # --- CNC milling ------------------------------------------------------------------------------
    Case("cnc housing al q1", "CNC", "cnc_milling", "al6061", "housing80x60x30", 1, round(120 * USD_EUR, 2), CNC_PK),
    Case("cnc housing al q10", "CNC", "cnc_milling", "al6061", "housing80x60x30", 10, round(55 * USD_EUR, 2), CNC_PK),
    Case("cnc bracket al q1 (curve)", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 1,
         round(315 * USD_EUR, 2), CNC_CURVE),
    Case("cnc bracket al q10 (curve)", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 10,
         round(45 * USD_EUR, 2), CNC_CURVE),
    Case("cnc bracket al q100 (curve)", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 100,
         round(18 * USD_EUR, 2), CNC_CURVE),
    Case("cnc bracket al cycle", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 1, 15.0, CNC_PK, Kind.MINUTES),
    Case("cnc bracket al spindle", "CNC", "cnc_milling", "al6061", "bracket100x50x20", 1, 10.0, CNC_FENVA,
         Kind.MINUTES),
    Case("cnc housing steel/al time", "CNC", "cnc_milling", "s235", "housing80x60x30", 1, 4.0, CNC_XOMETRY,
         Kind.TIME_RATIO),
    Case("cnc housing stainless/al time", "CNC", "cnc_milling", "ss304", "housing80x60x30", 1, 8.0, CNC_XOMETRY,
         Kind.TIME_RATIO),
    Case("cnc bracket steel/al time", "CNC", "cnc_milling", "s235", "bracket100x50x20", 1, 360 / 78,
         CNC_MACHINABILITY, Kind.TIME_RATIO),
    Case("cnc bracket stainless/al time", "CNC", "cnc_milling", "ss304", "bracket100x50x20", 1, 360 / 45,
         CNC_MACHINABILITY, Kind.TIME_RATIO),
    # --- Sheet metal ------------------------------------------------------------------------------
    Case("sheet bracket steel q1", "sheet", "sheet_metal", "s235", "sheetbracket80x40x40", 1, round(20 * USD_EUR, 2),
         SHEET_OKDOR),
    Case("sheet bracket steel q10", "sheet", "sheet_metal", "s235", "sheetbracket80x40x40", 10,
         # flat 117 x 40 mm: 314 mm outline + 2 x 20 mm holes = 355 mm at 6 m/min; 2 holes; 1 bend; 0.07 kg
         round((8 * 0.355 / 6.0 + 2 * 1 + 1) * USD_EUR + 0.07 * 1.4, 2), SHEET_ELIMOLD),
    Case("sheet plate steel q10", "sheet", "sheet_metal", "s235", "plate200x100x3", 10,
         # 600 mm outline + 4 x 20 mm holes = 682 mm at 4 m/min; 4 holes; 0.47 kg
         round((8 * 0.682 / 4.0 + 4 * 1) * USD_EUR + 0.47 * 1.4, 2), SHEET_ELIMOLD),
)

from benchmarks.realism.cases_machining import CASES as MACHINING_CASES  # noqa: E402  (cutting-physics cases)

CASES = (*CASES, *MACHINING_CASES)

from benchmarks.realism.cases_printing import PRINTING_CASES  # noqa: E402  (MJF and more sheet cases)

CASES = (*CASES, *PRINTING_CASES)

from benchmarks.realism.cases_sla_turning import CASES as SLA_CASES  # noqa: E402  (SLA; turning searched, none)

CASES = (*CASES, *SLA_CASES)

from benchmarks.realism.cases_quantity import KEPT_OUT, SHEET_Q100  # noqa: E402,F401  (sheet at 100 parts)

CASES = (*CASES, *SHEET_Q100)

from benchmarks.realism.cases_plastic import CASES as PLASTIC_CASES  # noqa: E402  (plastic : aluminium time)

CASES = (*CASES, *PLASTIC_CASES)

"""Plastic milling (issue 13: CNC milling in aluminium, steel, stainless and plastic): the one published figure found.

No vendor's worked price example of a described plastic part and no published cycle time of one was found (about 45
queries, benchmarks/README.md "Plastic milling (issue 13, wave 6, "plastic")" lists them and what the best hits
gave). The one published plastic : aluminium figure is a removal rate in a quoting system's example library:
Paperless Parts' P3L library (github.com/shanep805/p3l-library, the source of the sheet bending and deburring
times already in processes.toml) prices milling in ``examples/inside/machining/milling_all_in_one.py`` with a
material removal rate per material family of 3.0 cubic inches a minute for aluminium and 3.5 for polymers, and
takes the runtime as the volume removed over that rate. On the same part a polymer therefore takes 3.0 / 3.5 =
0.857 of aluminium's cutting time. The cases put that ratio against microfab's cutting minutes (roughing,
finishing, drilling) in POM, the most machined plastic, over the same part in 6061, on the benchmark's two milled
parts (``Kind.TIME_RATIO``, like the steel and stainless ratios of ``cases.py``).

What the figure is worth: the script calls its rates a conservative governor (an upper bound on runtime), and the
same table puts steel at 3.0 / 1.5 = 2x and stainless at 3.0 / 1.0 = 3x aluminium's time, where Xometry's rule and
the AISI ratings the benchmark already uses say 4-4.6x and 8x. Its metal ratios are not added (two independent
sources for them are already cases; a runtime cap is not a machinability test); its polymer ratio is kept because
it is the only published plastic figure found, and it agrees with the plastics' cutting data that microfab uses:
Curbell Plastics' milling guidelines give acetal, nylon 6, PEEK and ABS 920-1640 ft/min (280-500 m/min) with feeds
up to 0.55 mm a tooth, the speed microfab's ``O_thermoplastic`` class cuts at (500 m/min, as 6061).
"""

from __future__ import annotations

from benchmarks.realism.cases import Case, Kind, Source

PAPERLESS_MILLING = Source(
    "https://github.com/shanep805/p3l-library/blob/430a58e41b9b9cd2716adb417b9e5f4462cf7202/examples/inside/"
    "machining/milling_all_in_one.py",
    "Paperless Parts' P3L milling example: removal rate by material family, cubic inches per minute: aluminium 3.0, "
    "steel 1.5, stainless steel 1.0, polymer 3.5; runtime = (stock box - part volume) / rate, so a polymer part "
    "takes 3.0 / 3.5 = 0.857 of the same part's aluminium time",
)
#: removal rates of the source [in3/min]
ALUMINIUM_IN3_MIN = 3.0
POLYMER_IN3_MIN = 3.5
#: published polymer : aluminium cutting time on the same part
POLYMER_TIME_RATIO = ALUMINIUM_IN3_MIN / POLYMER_IN3_MIN

CASES: tuple[Case, ...] = tuple(
    Case(f"cnc {label} pom/al time", "CNC", "cnc_milling", "pom", part, 1, round(POLYMER_TIME_RATIO, 3),
         PAPERLESS_MILLING, Kind.TIME_RATIO)
    for label, part in (("housing", "housing80x60x30"), ("bracket", "bracket100x50x20"))
)

__all__ = ["ALUMINIUM_IN3_MIN", "CASES", "PAPERLESS_MILLING", "POLYMER_IN3_MIN", "POLYMER_TIME_RATIO"]

"""FDM print time: microfab's layer model against PrusaSlicer's estimate on the voron-2 corpus parts.

``python -m benchmarks.realism.fdm_slicer`` slices each STL of ``$MICROFAB_CORPUS/voron-2`` with
the Debian ``prusa-slicer`` CLI (a benchmark reference, not a runtime dependency) and the same
settings on both sides: 0.2 mm layers, 20 % infill, 2 perimeters, 5 top / 4 bottom layers, no
supports, the part as it lies in the file (voron parts are oriented for printing), PrusaSlicer's
MK3S-class speeds below. Target (issue 13): within 25 %.
"""

from __future__ import annotations

import dataclasses
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from geometry.features import Additive
from geometry.measure import measure
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models

#: PrusaSlicer settings (Original Prusa MK3S "0.20mm QUALITY" speeds and limits)
SLICER_ARGS = (
    "--layer-height", "0.2", "--first-layer-height", "0.2", "--fill-density", "20%", "--fill-pattern", "grid",
    "--perimeters", "2", "--top-solid-layers", "5", "--bottom-solid-layers", "4", "--nozzle-diameter", "0.4",
    "--filament-diameter", "1.75", "--perimeter-speed", "45", "--external-perimeter-speed", "25",
    "--infill-speed", "80", "--solid-infill-speed", "80", "--top-solid-infill-speed", "40",
    "--travel-speed", "180", "--first-layer-speed", "20", "--skirts", "0", "--brim-width", "0",
)
TARGET = 0.25


def slicer_minutes(stl: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "part.gcode"
        subprocess.run(["prusa-slicer", "--export-gcode", *SLICER_ARGS, "-o", str(out), str(stl)],
                       check=True, capture_output=True, timeout=600)
        text = out.read_text(errors="replace")
    match = re.search(r"estimated printing time \(normal mode\) = (.*)", text)
    if match is None:
        raise RuntimeError(f"no time estimate for {stl.name}")
    units = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", match.group(1)))


def microfab_minutes(stl: Path) -> float:
    f = measure(str(stl), units="mm").features
    up = Additive((0.0, 0.0, 1.0), f.bbox_mm[2], 0.0, 0.0)
    f = dataclasses.replace(f, additive=up)
    est = process_models()[Process.PRINTING_FDM].estimate(f, get_material("pla"), "fdm")
    return sum(op.time_min for op in est.operations if op.name == "printing")


def main() -> None:
    root = Path(os.environ.get("MICROFAB_CORPUS", "../shared/corpus")) / "voron-2"
    ratios = []
    print(f"{'part':45s} {'slicer min':>10s} {'microfab':>9s} {'ratio':>6s}")
    for stl in sorted(root.glob("*.stl")):
        ref, ours = slicer_minutes(stl), microfab_minutes(stl)
        ratios.append(ours / ref)
        print(f"{stl.name:45s} {ref:10.1f} {ours:9.1f} {ours / ref:6.2f}")
    within = sum(abs(r - 1) <= TARGET for r in ratios)
    print(f"median ratio {statistics.median(ratios):.2f}; {within}/{len(ratios)} within {TARGET:.0%}")


if __name__ == "__main__":
    main()

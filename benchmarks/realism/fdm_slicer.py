"""FDM print time: microfab's layer model against PrusaSlicer's estimate on the voron-2 corpus parts.

``python -m benchmarks.realism.fdm_slicer`` slices each STL of ``$MICROFAB_CORPUS/voron-2`` with
the Debian ``prusa-slicer`` CLI (a benchmark reference, not a runtime dependency) and the same
settings on both sides: PrusaSlicer's own print profile "0.20mm QUALITY @MK3" from its bundled
``PrusaResearch.ini`` (speeds, accelerations, small-perimeter and gap-fill speeds, widths), with
0.2 mm layers, 20 % grid infill, 2 perimeters, 5 top / 4 bottom layers, no supports, the part as it
lies in the file (voron parts are oriented for printing). Target (issue 13): within 25 %.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from geometry import load
from geometry.features import Additive
from geometry.kernels import facing_areas
from geometry.measure import measure_part
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models

#: PrusaSlicer's bundled profiles (Debian package prusa-slicer 2.5.0) and the print profile sliced with
PROFILES = Path("/usr/share/PrusaSlicer/profiles/PrusaResearch.ini")
PROFILE = "0.20mm QUALITY @MK3"
#: keys of a profile section that are not print settings
_NOT_SETTINGS = ("inherits", "compatible_printers", "compatible_printers_condition", "renamed_from")
#: on top of the profile: the benchmark's settings (Original Prusa MK3S "0.20mm QUALITY" speeds and limits)
SLICER_ARGS = (
    "--layer-height", "0.2", "--first-layer-height", "0.2", "--fill-density", "20%", "--fill-pattern", "grid",
    "--perimeters", "2", "--top-solid-layers", "5", "--bottom-solid-layers", "4", "--nozzle-diameter", "0.4",
    "--filament-diameter", "1.75", "--perimeter-speed", "45", "--external-perimeter-speed", "25",
    "--infill-speed", "80", "--solid-infill-speed", "80", "--top-solid-infill-speed", "40",
    "--travel-speed", "180", "--first-layer-speed", "20", "--skirts", "0", "--brim-width", "0",
)
TARGET = 0.25


class _KeepCase(configparser.ConfigParser):
    """A ConfigParser that keeps the keys' case (PrusaSlicer's keys are lower case already; nothing is folded)."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def profile_settings(path: Path = PROFILES, name: str = PROFILE) -> dict[str, str]:
    """The settings of print profile ``name`` in a PrusaSlicer bundle, its ``inherits`` chain resolved (each
    parent in the order listed, later ones overriding earlier ones, the profile's own keys last)."""
    bundle = _KeepCase(interpolation=None, strict=False)
    bundle.read(path)

    def resolve(section: str) -> dict[str, str]:
        own = dict(bundle[f"print:{section}"])
        merged: dict[str, str] = {}
        for parent in filter(None, (p.strip() for p in own.get("inherits", "").split(";"))):
            merged.update(resolve(parent))
        merged.update(own)
        return merged

    return {k: v for k, v in resolve(name).items() if k not in _NOT_SETTINGS}


def slicer_minutes(stl: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out, config = Path(tmp) / "part.gcode", Path(tmp) / "profile.ini"
        config.write_text("".join(f"{k} = {v}\n" for k, v in profile_settings().items()))
        subprocess.run(["prusa-slicer", "--export-gcode", "--load", str(config), *SLICER_ARGS, "-o", str(out),
                        str(stl)], check=True, capture_output=True, timeout=600)
        text = out.read_text(errors="replace")
    match = re.search(r"estimated printing time \(normal mode\) = (.*)", text)
    if match is None:
        raise RuntimeError(f"no time estimate for {stl.name}")
    units = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", match.group(1)))


def microfab_minutes(stl: Path) -> float:
    """The printing minutes of microfab's FDM model with the part built along +Z as it lies in the file (the
    areas facing up and down and the walls' runs measured for +Z by ``facing_areas``, as the build-orientation
    kernel measures them for each candidate), without supports (the slicer is run without them)."""
    part = load(stl, units="mm")
    f = measure_part(part).features
    plus_z = facing_areas(part.triangles_mm, (0.0, 0.0, 1.0))
    built = Additive((0.0, 0.0, 1.0), f.bbox_mm[2], 0.0, 0.0, up_area_mm2=plus_z.up_area_mm2,
                     down_area_mm2=plus_z.down_area_mm2, wall_run_mm=plus_z.wall_run_mm)
    f = dataclasses.replace(f, additive=built)
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

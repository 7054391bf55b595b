"""Benchmark: STEP load and B-rep analysis times, over the STEP corpus and typical machined parts.

1. Every STEP file of the shared corpus, each in a worker process with a
   per-file limit (``tests.geometry.brep.corpus``): load time (parse, heal, tessellate)
   and B-rep feature time (``geometry.brep.brep_features``), and with
   ``--extract`` the whole ``geometry.extract`` (B-rep + mesh kernels).
   Prints median, p90 and max over the files that load, and the slowest files.
2. Typical machined parts built with cadquery (tests.parts.py): features
   after loading, best of ``--repeats``, against the 300 ms target for parts of
   up to 500 faces.

Run: ``.venv/bin/python benchmarks/bench_brep.py [--corpus PATH] [--extract] [--json OUT]``.
Timings depend on the machine and on its load: the script prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.geometry.brep.corpus import run, step_files  # noqa: E402


def _stats(values: list[float]) -> str:
    if not values:
        return "n/a"
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return f"median {statistics.median(values) * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  max {values[-1] * 1000:7.1f} ms"


def bench_corpus(corpus: Path, timeout_s: float, extract: bool) -> list[dict]:
    files = step_files(corpus)
    print(f"STEP corpus: {len(files)} files under {corpus}")
    t0 = time.perf_counter()
    recs = list(run(files, timeout_s, extract=extract))
    wall = time.perf_counter() - t0
    ok = [r for r in recs if r["status"] == "ok"]
    by_status: dict[str, int] = {}
    for r in recs:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    print(f"  outcome: {by_status}  (wall {wall:.1f} s, one worker)")
    print(f"  load      {_stats([r['load_s'] for r in ok])}")
    print(f"  features  {_stats([r['features_s'] for r in ok])}")
    if extract:
        print(f"  extract   {_stats([r['extract_s'] for r in ok if 'extract_s' in r])}")
    small = [r for r in ok if r["faces"] <= 500]
    over = [r for r in small if r["features_s"] > 0.3]
    print(f"  files with <= 500 faces: {len(small)}; B-rep features over 300 ms: {len(over)}")
    print("  slowest (load + features):")
    for r in sorted(ok, key=lambda r: -(r["load_s"] + r["features_s"]))[:8]:
        print(
            f"    {Path(r['file']).name:42s} {r['faces']:4d} faces {r['solids']:3d} solids  "
            f"load {r['load_s'] * 1000:7.1f} ms  features {r['features_s'] * 1000:7.1f} ms"
        )
    return recs


def bench_parts(repeats: int) -> list[dict]:
    import geometry
    from geometry.brep import brep_features
    from tests import parts
    from tests.parts import plate_with_holes, pocketed_block, step_bytes

    builders = {
        "holes_plate (6 hole kinds)": parts.holes_plate,
        "pocketed_block": pocketed_block,
        "plate_with_holes": plate_with_holes,
        "flange (bolt circle)": parts.flange,
        "stepped_shaft + cross hole": parts.shaft_with_cross_hole,
        "L sheet": lambda: parts.bent_sheet(parts.L_PART),
        "bracket: 24 cbore holes, 2 pockets": lambda: _bracket_grid(6, 4),
        "plate: 120 cbore holes, 2 pockets": lambda: _bracket_grid(12, 10),
    }
    geometry.extract(geometry.load_bytes(step_bytes(plate_with_holes()), "warm.step"))  # JIT, imports
    out = []
    print(f"Typical machined parts (best of {repeats}):")
    for name, build in builders.items():
        data = step_bytes(build())
        loads, feats, extracts = [], [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            part = geometry.load_bytes(data, "part.step")
            t1 = time.perf_counter()
            values = brep_features(part.brep)
            t2 = time.perf_counter()
            geometry.extract(part)
            t3 = time.perf_counter()
            loads.append(t1 - t0)
            feats.append(t2 - t1)
            extracts.append(t3 - t2)
        rec = {
            "part": name, "faces": values["faces"].total, "load_s": min(loads),
            "features_s": min(feats), "extract_s": min(extracts),
        }
        out.append(rec)
        print(
            f"  {name:30s} {rec['faces']:4d} faces  load {rec['load_s'] * 1000:6.1f} ms  "
            f"B-rep features {rec['features_s'] * 1000:6.1f} ms  extract (B-rep + mesh) {rec['extract_s'] * 1000:6.1f} ms"
        )
    return out


def _bracket_grid(nx: int, ny: int):
    """A plate with nx x ny counterbored holes at 15 mm pitch outside two filleted pockets."""
    import cadquery as cq

    plate = cq.Workplane("XY").box(40 + 15 * nx + 100, 40 + 15 * ny, 25).edges("|Z").fillet(5)
    pts = [(-7.5 * (nx - 1) + 15 * i, -7.5 * (ny - 1) + 15 * j) for i in range(nx) for j in range(ny)]
    plate = plate.faces(">Z").workplane().pushPoints(pts).cboreHole(6.6, 11, 6)
    for x in (-(7.5 * nx + 45), 7.5 * nx + 45):
        cut = cq.Workplane("XY").box(30, 25, 12).edges("|Z").fillet(4).translate((x, 0, 12.5 - 6))
        plate = plate.cut(cut)
    return plate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("MICROFAB_CORPUS", ROOT.parent / "shared" / "corpus")))
    ap.add_argument("--timeout", type=float, default=60.0, help="per-file limit [s]")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--extract", action="store_true", help="also time the whole geometry.extract per corpus file")
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--json", type=Path, help="write the per-file records here")
    args = ap.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    result: dict[str, list] = {"parts": bench_parts(args.repeats)}
    if not args.skip_corpus:
        if args.corpus.is_dir():
            result["corpus"] = bench_corpus(args.corpus, args.timeout, args.extract)
        else:
            print(f"corpus not found at {args.corpus}: skipped (set MICROFAB_CORPUS or --corpus)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

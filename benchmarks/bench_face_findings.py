"""What naming the faces of the mesh findings adds to ``mesh_features`` (prints figures; not a test).

On the 1.31 M-triangle icosphere (trimesh, 8 subdivisions, radius 50 mm): the ray kernels run once,
then ``geometry.face_findings.face_fields`` (the masks of the mesh analysis included) is timed on
their real results, with nothing flagged, and with every triangle flagged (one face, and 100,000
faces). The mesh regions it names are labelled once per part (``part_face_ids``, shared with the
preview GLB); their time is printed apart. Least and median wall time of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_face_findings.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from geometry import kernels as k  # noqa: E402
from geometry.export import mesh_regions  # noqa: E402
from geometry.face_findings import face_fields  # noqa: E402


def _times(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[0], times[len(times) // 2]


def main() -> None:
    import trimesh

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    ico = trimesh.creation.icosphere(subdivisions=8, radius=50.0)
    v = np.ascontiguousarray(ico.vertices, dtype=np.float64)
    f = np.ascontiguousarray(ico.faces, dtype=np.int64)
    tri = np.ascontiguousarray(v[f])
    n = len(f)
    bvh = k.build_bvh(tri)
    wall, access, orient = k.wall_thickness(tri, bvh), k.accessibility(tri, bvh), k.additive_orientation(tri, bvh)
    t0 = time.perf_counter()
    regions = mesh_regions(v, f)
    print(f"{n:,} triangles; mesh_regions (once per part, shared with the GLB): {time.perf_counter() - t0:.2f} s")
    none, every = np.zeros(n, bool), np.ones(n, bool)
    many = np.random.default_rng(0).integers(0, 100_000, n)
    cases = [
        ("the icosphere's results (overhang in the best orientation)", regions, wall.per_triangle_mm,
         lambda: np.logical_not(access.visible.any(axis=1)), lambda: orient.best_overhang),
        ("nothing flagged", regions, wall.per_triangle_mm, lambda: none, lambda: none),
        ("every triangle thin, unreachable and overhanging, 1 face", regions, np.full(n, 0.5),
         lambda: every, lambda: every),
        ("the same, 100,000 faces", many, np.full(n, 0.5), lambda: every, lambda: every),
    ]
    print("| case | least | median |")
    print("|---|---:|---:|")
    for name, ids, thickness, unreachable, overhang in cases:
        def run(ids: np.ndarray = ids, thickness: np.ndarray = thickness, unreachable=unreachable,
                overhang=overhang) -> object:
            return face_fields(lambda: ids, area_mm2=wall.area_mm2, thickness_mm=thickness,
                               unreachable=unreachable(), overhang=overhang())
        least, median = _times(run, args.repeat)
        print(f"| {name} | {least * 1e3:.1f} ms | {median * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()

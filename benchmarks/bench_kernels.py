"""Mesh kernels against trimesh and Embree, measured side by side in one run.

    python benchmarks/bench_kernels.py            # 1.31 M-triangle icosphere (subdivisions=8)
    python benchmarks/bench_kernels.py --quick    # 82 k triangles (subdivisions=6)
    python benchmarks/bench_kernels.py --corpus   # also every mesh of ../shared/corpus (or $MICROFAB_CORPUS)

Prints each figure as a ratio (theirs / ours: above 1 means we are faster).
Times are the best of a few repeats after a warm-up call; JIT times come from
fresh processes with an empty and then a filled Numba cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def line(name: str, ours: float, theirs: float | None = None, who: str = "") -> None:
    if theirs is None:
        print(f"  {name:<44} ours {ours * 1e3:10.1f} ms")
    else:
        print(f"  {name:<44} ours {ours * 1e3:10.1f} ms   {who} {theirs * 1e3:10.1f} ms   ratio {theirs / ours:7.1f}x")


_JIT_SNIPPET = """
import json, time
t0 = time.perf_counter()
from geometry.kernels import warm_up
t1 = time.perf_counter()
warm_up()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "warm_up_s": t2 - t1}))
"""

_MEMORY_SNIPPET = """
import json, sys, time
import numpy as np, trimesh
import scipy.spatial  # noqa: F401 - imported before the baseline: a library, not the analysis
from geometry.kernels import warm_up
from geometry.mesh_analysis import mesh_features
warm_up()
mesh = trimesh.creation.icosphere(subdivisions=int(sys.argv[1]))
v = np.ascontiguousarray(mesh.vertices, dtype=np.float64)
f = np.ascontiguousarray(mesh.faces, dtype=np.int64)
del mesh
import gc; gc.collect()
def status_kb(key):
    with open("/proc/self/status") as fh:
        for ln in fh:
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
base = status_kb("VmRSS")
# reset the high-water mark (VmHWM) to the current RSS (Linux >= 4.0)
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")
t0 = time.perf_counter()
out = mesh_features(v, f)
t1 = time.perf_counter()
peak = status_kb("VmHWM")
print(json.dumps({"base_kb": base, "peak_kb": peak, "time_s": t1 - t0, "tri_bytes": int(len(f) * 72),
                  "volume": out.get("volume_mm3")}))
"""


def run_snippet(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    res = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env={**os.environ, **(env or {})},
        capture_output=True, text=True, check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="82 k-triangle icosphere, 100 k rays")
    parser.add_argument("--skip-obb-trimesh", action="store_true", help="skip trimesh's (slow) oriented box")
    parser.add_argument("--corpus", action="store_true", help="also time the shared corpus meshes")
    args = parser.parse_args()
    subdiv = 6 if args.quick else 8
    n_rays = 100_000 if args.quick else 1_000_000
    repeat = 3

    import numba
    import trimesh

    from geometry.kernels import (
        build_bvh,
        convex_hull_volume,
        mass_properties,
        oriented_bounding_box,
        raycast,
        wall_thickness,
        warm_up,
    )

    print(f"numba {numba.__version__}, trimesh {trimesh.__version__}, threads {numba.get_num_threads()}, "
          f"cpus {os.cpu_count()}")

    print("JIT (fresh processes; import + warm_up of every kernel):")
    with tempfile.TemporaryDirectory() as cache:
        first = run_snippet(_JIT_SNIPPET, env={"NUMBA_CACHE_DIR": cache})
        second = run_snippet(_JIT_SNIPPET, env={"NUMBA_CACHE_DIR": cache})
    print(f"  first process (empty cache)   warm_up {first['warm_up_s']:.2f} s")
    print(f"  second process (cached)       warm_up {second['warm_up_s']:.2f} s   "
          f"ratio {first['warm_up_s'] / second['warm_up_s']:.0f}x")

    warm_up()
    mesh = trimesh.creation.icosphere(subdivisions=subdiv)
    v = np.ascontiguousarray(mesh.vertices, dtype=np.float64)
    f = np.ascontiguousarray(mesh.faces, dtype=np.int64)
    tri = np.ascontiguousarray(v[f])
    print(f"icosphere(subdivisions={subdiv}): {len(f):,} triangles, {len(v):,} vertices, "
          f"triangle array {tri.nbytes / 1e6:.1f} MB")

    print("mass properties (trimesh: fresh Trimesh(process=False).mass_properties):")
    ours = best_of(lambda: mass_properties(tri), repeat)
    ours_idx = best_of(lambda: mass_properties(v[f]), repeat)
    theirs = best_of(lambda: trimesh.Trimesh(v, f, process=False).mass_properties, repeat)
    line("mass_properties(triangles)", ours, theirs, "trimesh")
    line("mass_properties(vertices[faces]) incl. gather", ours_idx, theirs, "trimesh")
    a, b = mass_properties(tri), trimesh.Trimesh(v, f, process=False).mass_properties
    print(f"  volume ours {a.volume_mm3:.9f}  trimesh {b['volume']:.9f}")

    print("oriented bounding box (trimesh: fresh Trimesh.bounding_box_oriented):")
    ours = best_of(lambda: oriented_bounding_box(v), repeat)
    if args.skip_obb_trimesh:
        line("oriented_bounding_box(vertices)", ours)
    else:
        theirs = best_of(lambda v=v, f=f: trimesh.Trimesh(v, f, process=False).bounding_box_oriented, 1)
        line("oriented_bounding_box(vertices)", ours, theirs, "trimesh")
    hull_s = best_of(lambda: convex_hull_volume(v), 1)
    line("convex_hull_volume(vertices) (Qhull)", hull_s)

    print(f"rays (Embree through trimesh.ray.ray_pyembree; {n_rays:,} rays, builds timed apart):")
    from trimesh.ray.ray_pyembree import RayMeshIntersector

    rng = np.random.default_rng(0)
    o = rng.normal(size=(n_rays, 3))
    o *= 3.0 / np.linalg.norm(o, axis=1)[:, None]
    d = -o + rng.normal(size=o.shape) * 0.5
    d /= np.linalg.norm(d, axis=1)[:, None]
    ours_build = best_of(lambda: build_bvh(tri), repeat)

    def embree_build() -> object:
        return RayMeshIntersector(trimesh.Trimesh(v, f, process=False))._scene

    theirs_build = best_of(embree_build, repeat)
    line("build_bvh vs Embree scene build", ours_build, theirs_build, "embree ")
    bvh = build_bvh(tri)
    embree = RayMeshIntersector(trimesh.Trimesh(v, f, process=False))
    embree._scene  # noqa: B018 - build outside the timing
    ours_cast = best_of(lambda: raycast(bvh, o, d), repeat)
    theirs_cast = best_of(lambda: embree.intersects_first(o, d), repeat)
    line("raycast vs intersects_first", ours_cast, theirs_cast, "embree ")
    hits = raycast(bvh, o, d).triangle
    same = np.mean((hits >= 0) == (embree.intersects_first(o, d) >= 0))
    print(f"  hit/miss agreement with Embree {same * 100:.3f} %   ({'ours slower' if ours_cast > theirs_cast else 'ours faster'}: "
          f"{max(ours_cast, theirs_cast) / min(ours_cast, theirs_cast):.2f}x)")

    print("wall thickness (one ray per triangle along the inward normal):")
    wall_s = best_of(lambda: wall_thickness(tri, bvh), 1)
    line("wall_thickness (BVH given)", wall_s)
    line("build_bvh + wall_thickness", wall_s + ours_build)

    if args.corpus:
        corpus_figures()

    print("full mesh analysis (geometry.mesh_analysis.mesh_features) in a fresh process:")
    mem = run_snippet(_MEMORY_SNIPPET, str(subdiv))
    peak_mb = (mem["peak_kb"] - mem["base_kb"]) / 1e3
    print(f"  time {mem['time_s']:.2f} s; peak RSS above the loaded arrays {peak_mb:.0f} MB vs triangle array "
          f"{mem['tri_bytes'] / 1e6:.0f} MB: {peak_mb * 1e6 / mem['tri_bytes']:.1f}x")


def corpus_figures() -> None:
    """Summed times over the corpus meshes that load: ours against trimesh, side by side per file."""
    import trimesh

    from geometry import load
    from geometry.errors import MicrofabError
    from geometry.kernels import mass_properties, oriented_bounding_box
    from geometry.mesh_analysis import mesh_features

    root = Path(os.environ.get("MICROFAB_CORPUS", ROOT.parent / "shared" / "corpus"))
    files = sorted(p for d in ("trimesh-models", "voron-2") for p in (root / d).glob("*")
                   if p.suffix.lower() in {".stl", ".obj", ".ply", ".3mf"})
    if not files:
        print(f"corpus: none found under {root}")
        return
    totals = {"mass": [0.0, 0.0], "obb": [0.0, 0.0], "analysis": [0.0, 0.0]}
    n = tris = 0
    for path in files:
        try:
            part = load(path)
        except MicrofabError:
            continue
        v, f = part.vertices_mm, part.faces
        if len(f) < 4:
            continue
        t = np.ascontiguousarray(v[f])
        try:
            totals["mass"][0] += best_of(lambda t=t: mass_properties(t), 3)
            totals["obb"][0] += best_of(lambda v=v: oriented_bounding_box(v), 1)
            totals["analysis"][0] += best_of(lambda v=v, f=f: mesh_features(v, f), 1)
        except MicrofabError:
            continue
        totals["mass"][1] += best_of(lambda v=v, f=f: trimesh.Trimesh(v, f, process=False).mass_properties, 3)
        totals["obb"][1] += best_of(lambda v=v, f=f: trimesh.Trimesh(v, f, process=False).bounding_box_oriented, 1)
        n += 1
        tris += len(f)
    print(f"corpus: {n} meshes, {tris:,} triangles in all (summed best-of times):")
    line("mass_properties", totals["mass"][0], totals["mass"][1], "trimesh")
    line("oriented_bounding_box", totals["obb"][0], totals["obb"][1], "trimesh")
    line("mesh_features (every mesh field)", totals["analysis"][0])


if __name__ == "__main__":
    main()

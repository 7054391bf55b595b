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
from pathlib import Path

import numpy as np
from timing import best_of  # this folder is on a script's path

ROOT = Path(__file__).resolve().parents[1]


def line(name: str, ours: float, theirs: float | None = None, who: str = "") -> None:
    if theirs is None:
        print(f"  {name:<44} ours {ours * 1e3:10.1f} ms")
    else:
        print(f"  {name:<44} ours {ours * 1e3:10.1f} ms   {who} {theirs * 1e3:10.1f} ms   ratio {theirs / ours:7.1f}x")


_JIT_SNIPPET = """
import json, sys, time
T = {}
def step(name, fn):
    t0 = time.perf_counter()
    fn()
    T[name] = time.perf_counter() - t0
step("import numba", lambda: __import__("numba"))
step("import geometry.kernels", lambda: __import__("geometry.kernels"))
import numba
import numpy as np
import geometry.kernels as gk
from numba.core.registry import cpu_target
# libraries a kernel call imports on first use: not JIT (Numba's BLAS probe imports scipy.linalg; Qhull)
step("import scipy.linalg, scipy.spatial", lambda: __import__("scipy.spatial") and __import__("scipy.linalg"))
# Numba's per-process setup before its first compile or cache load: typing and lowering registries
step("Numba target init (once per process)", cpu_target.target_context.refresh)
vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], dtype=np.int64)
tri = vertices[faces]
ray_o, ray_d = np.array([[0.2, 0.2, 5.0]]), np.array([[0.0, 0.0, -1.0]])
first = {}
calls = [
    ("first call: mass_properties (float64)", lambda: gk.mass_properties(tri)),
    ("first call: mass_properties (float32)", lambda: gk.mass_properties(tri.astype(np.float32))),
    ("first call: mesh_health", lambda: gk.mesh_health(vertices, faces)),
    ("first call: oriented_bounding_box", lambda: gk.oriented_bounding_box(vertices)),
    ("first call: build_bvh", lambda: gk.build_bvh(tri)),
    ("first call: raycast", lambda: gk.raycast(gk.build_bvh(tri), ray_o, ray_d)),
    ("first call: wall_thickness", lambda: gk.wall_thickness(tri)),
    ("first call: accessibility", lambda: gk.accessibility(tri)),
    ("first call: additive_orientation", lambda: gk.additive_orientation(tri)),
    ("warm_up: the rest (read-only variants)", gk.warm_up),
]
for name, fn in calls:
    t0 = time.perf_counter()
    fn()
    t1 = time.perf_counter()
    fn()  # the same call again: its own work, to subtract
    first[name] = max(0.0, 2 * t1 - t0 - time.perf_counter())
hits = misses = 0
for mod in list(sys.modules.values()):
    if getattr(mod, "__name__", "").startswith("geometry.kernels"):
        for obj in vars(mod).values():
            if isinstance(obj, numba.core.dispatcher.Dispatcher):
                hits += sum(obj.stats.cache_hits.values())
                misses += sum(obj.stats.cache_misses.values())
T["first calls"] = first
T["cache_hits"], T["cache_misses"] = hits, misses
print(json.dumps(T))
"""


def jit_figures() -> None:
    """Where a fresh process spends its time before the kernels run: an empty, then a filled Numba cache."""
    print("JIT and start-up, fresh processes (first: empty Numba cache; second: the cache the first filled):")
    with tempfile.TemporaryDirectory() as cache:
        runs = [run_snippet(_JIT_SNIPPET, env={"NUMBA_CACHE_DIR": cache}) for _ in range(2)]
    first, second = runs
    print(f"  {'':<44} {'first':>9} {'second':>9}")
    for key in ("import numba", "import geometry.kernels", "import scipy.linalg, scipy.spatial",
                "Numba target init (once per process)"):
        print(f"  {key:<44} {first[key]:8.3f}s {second[key]:8.3f}s")
    for key in first["first calls"]:
        print(f"  {key:<44} {first['first calls'][key]:8.3f}s {second['first calls'][key]:8.3f}s")
    tot = [sum(r["first calls"].values()) for r in runs]
    print(f"  {'first calls, all kernels':<44} {tot[0]:8.3f}s {tot[1]:8.3f}s   ratio {tot[0] / tot[1]:.0f}x")
    print(f"  kernels compiled / loaded from the cache      {first['cache_misses']:>4} / {first['cache_hits']:<4}"
          f"{second['cache_misses']:>4} / {second['cache_hits']}")


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
    parser.add_argument("--only", choices=["jit", "mass"], help="only the JIT figures, or only the JIT-free mass figures")
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

    if args.only in (None, "jit"):
        jit_figures()
    if args.only == "jit":
        return

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
    if args.only == "mass":
        return

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

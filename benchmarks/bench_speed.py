"""Issue 17's figures, each next to its target and its peer, measured side by side in one run.

    python benchmarks/bench_speed.py                 # 1.31 M-triangle icosphere + corpus STEP files
    python benchmarks/bench_speed.py --quick         # 82 k-triangle icosphere, two STEP files
    python benchmarks/bench_speed.py --only mesh     # one group: mesh, rays, step, cold, requote

Whole-process figures run the command in a fresh Python process (wall clock,
best of ``--repeat``) next to the peer's process on the same file; in-process
figures are the best of a few calls after a warm-up call. A shared machine
moves both sides together: read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from timing import best_of  # this folder is on a script's path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MICROFAB_CORPUS", ROOT.parent / "shared" / "corpus"))
STEP_FILES = ("featuretype.STEP", "box_sides.STEP")

_TRIMESH_BASELINE = """
import sys, trimesh
m = trimesh.load(sys.argv[1], process=False)
m.merge_vertices()
m.volume; m.bounding_box_oriented; m.convex_hull.volume
"""
_CADQUERY_BASELINE = """
import sys, cadquery as cq
shape = cq.importers.importStep(sys.argv[1])
shape.val().Volume()
"""
_REQUOTE = """
import sys, time
from geometry.measure import measure
from quoting.engine import quote_components
from quoting.offers import EstimateMemo
from quoting.request import QuoteRequest
from quoting.workshops import load_workshops
m = measure(sys.argv[1])
cards = load_workshops(None)
reqs = [QuoteRequest.parse(material=k, quantities=q) for k in ("al6061", "al7075", "ss304", "s235")
        for q in ("1", "1,10,100")]
n = int(sys.argv[2])
memo = EstimateMemo()
best = {}
for _ in range(3):  # rounds alternate the two paths; the least of each
    for memo_, encode in ((None, "to_dict"), (memo, "to_json")):  # the former path; the API server's path
        t = time.process_time()
        for i in range(n):
            getattr(quote_components(m.features, m.components, reqs[i % len(reqs)], cards, memo=memo_), encode)()
        ms = 1000 * (time.process_time() - t) / n
        best[encode] = min(best.get(encode, ms), ms)
print(best["to_dict"], best["to_json"])
"""


def process_s(args: list[str], repeat: int) -> float:
    """Best wall time [s] of a fresh Python process running ``args`` (after ``python``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run() -> None:
        subprocess.run([sys.executable, *args], check=True, env=env, cwd=ROOT, capture_output=True)

    return best_of(run, repeat)


def row(name: str, ours: float, peer: float | None, target: str, unit: str = "s") -> None:
    ratio = f"{ours / peer:6.2f}x" if peer else "   -   "
    peer_txt = f"{peer:9.3f} {unit}" if peer is not None else " " * (10 + len(unit))
    print(f"  {name:<52} ours {ours:9.3f} {unit}  peer {peer_txt}  ratio {ratio}  target {target}")


def test_mesh(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    mesh = trimesh.load(path, process=False)
    return np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64)


def bench_mesh(stl: Path, repeat: int) -> None:
    """Loading and the whole ``microfab features`` process against trimesh's load + volume + box + hull."""
    from geometry.features import FileFormat
    from geometry.kernels import warm_up
    from geometry.loaders.mesh import merge_vertices, read_mesh
    from geometry.tolerances import tol

    warm_up()
    print(f"mesh ({stl.name}):")
    vertices, faces = test_mesh(stl)
    ours = best_of(lambda: merge_vertices(vertices, faces), repeat)

    def row_unique() -> None:  # the previous weld: two row-wise np.unique
        v, f = vertices, faces
        for shift in (0.0, 0.5):
            keys = np.floor(v / tol.merge_mm + shift).astype(np.int64)
            _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
            v, f = v[first], inverse.reshape(-1)[f]

    row("vertex weld (hashed keys) vs two np.unique(axis=0)", ours, best_of(row_unique, 1), "faster")
    data = stl.read_bytes()
    load_s = best_of(lambda: read_mesh(data, FileFormat.STL, stl.name), repeat)
    print(f"  {'read_mesh (binary STL parse + weld)':<52} ours {load_s:9.3f} s   "
          f"floor: {len(data) / 1e6:.0f} MB at ~10 GB/s = {len(data) / 1e10 * 1e3:.1f} ms")
    extract_s = _extract_s(stl, repeat)
    row(f"geometry.extract alone (in process; {load_average()})", extract_s, None, "< 1.5 s")
    row("geometry.extract of a freshly loaded part (its face ids worked out)", _first_extract_s(stl, repeat), None,
        "< 1.5 s")
    bench_stages(stl, repeat)
    ours = process_s(["-c", _cli("features", stl)], repeat)
    theirs = process_s(["-c", _TRIMESH_BASELINE, str(stl)], repeat)
    row("`microfab features` process vs trimesh baseline", ours, theirs, "<= 0.4x")
    part = _subdivided_corpus_part(stl.parent)
    if part is not None:  # a real part's shape: few faces on the hull, so neither Qhull nor ray culling is easy
        ours = process_s(["-c", _cli("features", part)], repeat)
        theirs = process_s(["-c", _TRIMESH_BASELINE, str(part)], repeat)
        row(f"the same, {SUBDIVIDED_PART} subdivided to 1.37 M triangles", ours, theirs, "<= 0.4x")


#: a voron-2 printer part (21,424 triangles) whose triangles are split in four three times: 1,371,136
SUBDIVIDED_PART = "z_motor_mount_a_x2.stl"


def _subdivided_corpus_part(folder: Path) -> Path | None:
    """``SUBDIVIDED_PART`` of the corpus with each triangle split in 64, as binary STL in ``folder``; None
    without the corpus."""
    import trimesh

    source = CORPUS / "voron-2" / SUBDIVIDED_PART
    if not source.exists():
        return None
    mesh = trimesh.load(source)
    vertices, faces = mesh.vertices, mesh.faces
    for _ in range(3):
        vertices, faces = trimesh.remesh.subdivide(vertices, faces)
    out = folder / "subdivided_part.stl"
    trimesh.Trimesh(vertices, faces, process=False).export(out)
    return out


def _cli(*args: object) -> str:
    """Python code that runs ``microfab ARGS`` as the console script does (``main()`` reading ``sys.argv``)."""
    argv = ", ".join(repr(str(a)) for a in ("microfab", *args))
    return f"import sys; sys.argv = [{argv}]; from api.cli import main; sys.exit(main())"


def _extract_s(stl: Path, repeat: int) -> float:
    from geometry import extract, load

    part = load(stl)
    return best_of(lambda: extract(part), repeat)


def _first_extract_s(stl: Path, repeat: int) -> float:
    """``extract`` of a new ``Part`` each time: the face ids (remembered per part) are labelled in it, as in
    the one ``extract`` of a ``microfab features`` process."""
    from geometry import extract, load

    best = float("inf")
    for _ in range(repeat):
        part = load(stl)
        start = time.perf_counter()
        extract(part)
        best = min(best, time.perf_counter() - start)
    return best


def bench_stages(stl: Path, repeat: int) -> None:
    """``extract``'s stages one by one on the calling thread and its pool (CPU time [s], least of ``repeat``),
    the crease regions next to the scipy twin they replaced, the hull's edge test next to the former sorts."""
    from geometry import kernels as k
    from geometry import load
    from geometry.export import mesh_regions
    from geometry.kernels._common import frames_for, gather_triangles
    from geometry.kernels.supporting import hull_graph, plane_rise
    from tests.geometry.kernels import naive

    part = load(stl)
    v, f = part.vertices_mm, part.faces
    tri = np.ascontiguousarray(v[f])
    bvh = k.build_bvh(tri)
    hull = k.mesh_convex_hull(v, f)
    graph = hull_graph(hull)
    frames = frames_for(tri, bvh)

    def rise() -> object:
        assert graph is not None
        return plane_rise(graph, frames.centroid_mm, frames.normal, bvh.order)

    stages: dict[str, Callable[[], object]] = {
        "mesh_health": lambda: k.mesh_health(v, f),
        "triangles (gather_triangles)": lambda: gather_triangles(v, f),
        "mass_properties": lambda: k.mass_properties(tri),
        "build_bvh": lambda: k.build_bvh(tri),
        "wall_thickness (frames shared)": lambda: k.wall_thickness(tri, bvh),
        "accessibility, every ray traced": lambda: k.accessibility(tri, bvh),
        "accessibility, supported planes skipped (rises kept)": lambda: k.accessibility(tri, bvh, hull=graph),
        "additive_orientation, every ray traced": lambda: k.additive_orientation(tri, bvh),
        "additive_orientation, supported skipped (rises kept)": lambda: k.additive_orientation(tri, bvh, hull=graph),
        "plane_rise (the hull climbs, once for both)": rise,
        "mesh_convex_hull (second thread in extract)": lambda: k.mesh_convex_hull(v, f),
        "hull_graph (second thread)": lambda: hull_graph(hull),
        "oriented_bounding_box (second thread)": lambda: k.oriented_bounding_box(v, hull),
        "mesh_regions (Numba: hashed edges + union-find)": lambda: mesh_regions(v, f),
    }
    print(f"  extract stages, CPU time ({len(f):,} triangles; {load_average()}):")
    for name, fn in stages.items():
        fn()
        row(f"  {name}", best_of(fn, repeat, time.process_time), None, "-")
    ours = best_of(lambda: mesh_regions(v, f), repeat, time.process_time)
    theirs = best_of(lambda: naive.crease_regions(v, f, 30.0), repeat, time.process_time)
    row("  mesh_regions vs scipy connected components (CPU)", ours, theirs, "same labels, faster")


def bench_rays(stl: Path, repeat: int) -> None:
    """Wall-thickness and accessibility rays against Embree casting the same rays."""
    import trimesh
    from trimesh.ray.ray_pyembree import RayMeshIntersector

    from geometry.kernels import accessibility, build_bvh, wall_thickness
    from geometry.kernels._common import centroid_normal_area_kernel
    from geometry.loaders.mesh import merge_vertices
    from geometry.tolerances import tol

    vertices, faces = merge_vertices(*test_mesh(stl))
    tri = np.ascontiguousarray(vertices[faces])
    bvh = build_bvh(tri)
    cen, nrm, _ = centroid_normal_area_kernel(tri)
    embree = RayMeshIntersector(trimesh.Trimesh(vertices, faces, process=False))
    embree._scene  # noqa: B018 - the scene build is not timed
    print(f"rays ({len(tri):,} triangles; Embree through trimesh.ray.ray_pyembree, the same rays):")
    ours = best_of(lambda: wall_thickness(tri, bvh), repeat)
    start = cen - nrm * (tol.ray_start_rel * bvh.diagonal_mm)
    theirs = best_of(lambda: embree.intersects_first(start, -nrm), repeat)
    row("wall_thickness vs Embree, one ray a triangle", ours, theirs, "<= 1.2x")
    ours = best_of(lambda: accessibility(tri, bvh), repeat)
    origins, dirs = _access_rays(cen, nrm, tol.access_offset_rel * bvh.diagonal_mm)
    theirs = best_of(lambda: embree.intersects_first(origins, dirs), repeat)
    row("accessibility vs Embree, the same rays", ours, theirs, "<= 1.2x")
    _rays_cpu(tri, bvh, embree, (start, -nrm), (origins, dirs), repeat)


def _bench_rays_both(stl: Path, repeat: int) -> None:
    """The ray kernels against Embree on the icosphere, then on the subdivided corpus part (a real part's
    shape: long rays across it, few of its faces on the hull)."""
    bench_rays(stl, repeat)
    part = _subdivided_corpus_part(stl.parent)
    if part is not None:
        print(f"  the same on {SUBDIVIDED_PART} subdivided to 1.37 M triangles:")
        bench_rays(part, repeat)


def _rays_cpu(tri: np.ndarray, bvh: Any, embree: Any, wall_rays: tuple[np.ndarray, np.ndarray],
              access_rays: tuple[np.ndarray, np.ndarray], repeat: int) -> None:
    """Both ray kernels against Embree in CPU time on one thread each (Embree's ``intersects_first`` runs on
    one): the per-ray cost, which the other helpers' load moves least."""
    import numba

    from geometry.kernels import accessibility, wall_thickness

    for name, ours_fn, rays in (("wall_thickness", wall_thickness, wall_rays),
                                ("accessibility", accessibility, access_rays)):
        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            ours = best_of(lambda: ours_fn(tri, bvh), repeat, time.process_time)  # noqa: B023 - called here
        finally:
            numba.set_num_threads(threads)
        theirs = best_of(lambda: embree.intersects_first(*rays), repeat, time.process_time)  # noqa: B023
        row(f"{name} vs Embree, CPU on one thread ({load_average()})", ours, theirs, "<= 1.2x")


def _access_rays(cen: np.ndarray, nrm: np.ndarray, offset_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The rays ``accessibility`` casts: from each centroid, off the surface, along each axis it faces."""
    from geometry.kernels.access import AXIS_VECTORS
    from geometry.tolerances import tol

    origins, dirs = [], []
    for axis in AXIS_VECTORS:
        facing = (nrm @ axis >= -tol.facing_cos) & np.any(nrm != 0, axis=1)
        origins.append(cen[facing] + offset_mm * nrm[facing])
        dirs.append(np.tile(axis, (int(facing.sum()), 1)))
    return np.concatenate(origins), np.concatenate(dirs)


def bench_step(files: list[Path], repeat: int) -> None:
    """``quote_file`` process against a bare cadquery import + volume process, per corpus STEP file."""
    print("STEP (fresh processes):")
    ratios = []
    for path in files:
        ours = process_s(["-c", _cli("quote", path, "--material", "al6061")], repeat)
        theirs = process_s(["-c", _CADQUERY_BASELINE, str(path)], repeat)
        ratios.append(ours / theirs)
        row(f"microfab quote {path.name} vs cadquery import+volume", ours, theirs, "median <= 2x, max <= 3x")
    print(f"  median ratio {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x")
    for path in files:
        _step_measure(path, repeat)


def _step_measure(path: Path, repeat: int) -> None:
    """In process: ``measure_part`` CPU (load excluded) and B-rep analyses (``Topology.of``) of a multi-solid file."""
    from geometry import load, measure_part
    from geometry.brep.topology import Topology

    part = load(path)
    if part.solids < 2:
        return
    indexed = Topology.of
    passes = []

    def counting(cls: type, shape: Any) -> Topology:
        passes.append(shape)
        return indexed(shape)

    setattr(Topology, "of", classmethod(counting))  # noqa: B010 - counting the passes of this one call
    try:
        measured = measure_part(part)
    finally:
        setattr(Topology, "of", classmethod(indexed.__func__))  # noqa: B010
    cpu = min(_measure_cpu(path) for _ in range(max(repeat, 2)))
    row(f"measure_part {path.name}, in process, CPU ({load_average()}): {len(passes)} B-rep pass(es) for "
        f"{part.solids} solids, {len(measured.components)} distinct", cpu, None, "1 pass")


def _measure_cpu(path: Path) -> float:
    from geometry import load, measure_part

    part = load(path)
    t = time.process_time()
    measure_part(part)
    return time.process_time() - t


def alternate_s(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """{name: (best wall time, best CPU time) [s]} of fresh Python processes running each ``commands`` entry (after
    ``python``), taking turns ``repeat`` times, so that a busy machine weighs on each the same (CPU time is the
    process's user + system time: steadier than wall time when others share the cores)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeat):
        for name, args in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, *args], check=True, env=env, cwd=ROOT, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            old = best.get(name, (wall, cpu))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    return best


def bench_cold(stl: Path, step: Path, repeat: int) -> None:
    """Cold CLI quotes against the bare library processes, a calibrated workshop's cost, and a Numba cache
    filled by the install."""
    print(f"cold start (fresh processes, taking turns; {load_average()}):")
    times = alternate_s({"ours": ["-c", _cli("quote", step, "--material", "al6061")],
                         "peer": ["-c", _CADQUERY_BASELINE, str(step)]}, max(repeat, 3))
    row(f"microfab quote {step.name} vs cadquery import+volume", times["ours"][0], times["peer"][0], "<= 1.05x")
    row("  the same, CPU time", times["ours"][1], times["peer"][1], "<= 1.05x")
    _bench_calibrated(step, repeat)
    times = alternate_s({"ours": ["-c", _cli("quote", stl, "--material", "al6061")],
                         "peer": ["-c", _TRIMESH_BASELINE, str(stl)]}, repeat)
    row(f"microfab quote {stl.name} vs trimesh baseline", times["ours"][0], times["peer"][0], "<= 1.3x")
    warm = "from geometry.kernels import warm_up; warm_up()"
    second = process_s(["-c", warm], 1)  # the cache `make install` fills
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": empty}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", warm], check=True, env=env, capture_output=True)
        first = time.perf_counter() - t0
    row("warm_up with the install's cache vs an empty cache", second, first, "first run = second")


def _bench_calibrated(step: Path, repeat: int) -> None:
    """A cold quote with a calibrated workshop (a 100-job model blended with a 3-workshop prior, stored by
    ``WorkshopCostModel.save``) against the same quote with no model, taking turns; and the first load of a
    model stored before compact files (the skops archive read, then compacted)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _calibrated_models(Path(tmp) / "models")
        archive = folder / "lyon-usinage.skops"
        quote = ["quote", step, "--material", "al6061", "--model-dir"]
        times = alternate_s({"with": ["-c", _cli(*quote, folder)], "without": ["-c", _cli(*quote, Path(tmp) / "none")]},
                            max(repeat, 3))
        extra = times["with"][0] - times["without"][0]
        print(f"  {'cold quote with a calibrated workshop minus without':<52} ours {extra:9.3f} s   "
              f"(CPU {times['with'][1] - times['without'][1]:.3f} s; with {times['with'][0]:.3f} s, "
              f"without {times['without'][0]:.3f} s; skops archive {archive.stat().st_size / 1e6:.1f} MB, "
              f"compact file {archive.with_suffix('.npz').stat().st_size / 1e6:.2f} MB)  target <= +0.2 s")
        archive.with_suffix(".npz").unlink()  # as stored before compact files: read with skops, then compacted
        old = alternate_s({"old": ["-c", _cli(*quote, folder)]}, 1)["old"]
        print(f"  {'  first quote with a model stored before (migrated)':<52} ours {old[0] - times['without'][0]:9.3f} s"
              "   (once per model)")


def _calibrated_models(folder: Path) -> Path:
    """A model folder with lyon-usinage calibrated on synthetic jobs (``tests/models/synth.py``)."""
    from models import CostRatioRegressor, MarketplacePrior, WorkshopCostModel
    from tests.models.synth import dataset

    samples, prices = dataset(300, seed=1)
    prior = MarketplacePrior().fit(samples[:180], prices[:180], ["a"] * 60 + ["b"] * 60 + ["c"] * 60)
    est = CostRatioRegressor().fit(samples[180:280], prices[180:280], prior=prior)
    WorkshopCostModel.build("lyon-usinage", est).save(folder)
    return folder


def bench_requote(step: Path) -> None:
    """CPU of pricing a measured part again (engine + encoding, no HTTP): as every caller did, and as the API
    server does now (process estimates kept across quotes, the quote encoded once as JSON bytes)."""
    print(f"re-quote (in process, CPU time; {load_average()}):")
    out = subprocess.run([sys.executable, "-c", _REQUOTE, str(step), "200"], check=True, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    fresh, server = (float(x) for x in out.stdout.split()[-2:])
    row(f"quote_components + to_dict, {step.name}", fresh, None, "<= 2 ms", "ms")
    row("  with an EstimateMemo + to_json (the server's path)", server, fresh, "<= 2 ms", "ms")


def load_average() -> str:
    """The 1-minute load average, to read next to every figure of a shared machine."""
    try:
        return f"load {os.getloadavg()[0]:.1f}"
    except OSError:
        return "load ?"


def readyz_s(tmp: Path) -> float:
    """Wall time from starting ``microfab serve`` (SQLite, two parse workers) to its first 200 on /readyz."""
    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.servers import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MICROFAB_DATABASE_URL": f"sqlite:///{tmp}/ready.db",
           "MICROFAB_BLOB_DIR": str(tmp / "blobs"), "MICROFAB_MODEL_DIR": str(tmp / "models"),
           "MICROFAB_PARSE_WORKERS": "2"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port)], env=env, cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise SystemExit("the server exited before it was ready")
    finally:
        proc.terminate()
        proc.wait(30)


def replaced_worker_s(repeat: int) -> tuple[float, float]:
    """(first worker ready after a cold start of the fork server, median time to replace a killed worker) [s]."""
    import asyncio

    from api.workers import ParsePool

    async def run() -> tuple[float, float]:
        pool = ParsePool(1, 60.0, 0, 10**8)
        t0 = time.perf_counter()
        await pool.start(prestart=True)
        first = time.perf_counter() - t0
        times = []
        for _ in range(repeat):
            worker = next(iter(pool._all))
            worker.proc.kill()  # as a crash would: the pool replaces it
            worker.proc.join()
            t = time.perf_counter()
            await pool._replace(worker)
            times.append(time.perf_counter() - t)
        await pool.close()
        return first, statistics.median(times)

    return asyncio.run(run())


def bench_server(repeat: int) -> None:
    """Server start-up: /readyz after ``microfab serve`` starts, and a parse worker replaced after a crash."""
    print("server start-up (fresh processes):")
    ready = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            ready.append(readyz_s(Path(tmp)))
    row(f"/readyz after `microfab serve` starts (best of {repeat}; {load_average()})", min(ready), 3.0,
        "<= 1.0x of 3 s")
    first, replaced = replaced_worker_s(max(3, repeat))
    row(f"first parse worker, fork server started cold ({load_average()})", first, None, "-")
    row(f"a killed parse worker replaced and ready (median; {load_average()})", replaced, 0.5, "<= 1.0x of 0.5 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="82 k triangles and two STEP files")
    parser.add_argument("--only", choices=["mesh", "rays", "step", "cold", "requote", "server"])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import trimesh

    with tempfile.TemporaryDirectory() as tmp:
        stl = Path(tmp) / "icosphere.stl"
        trimesh.creation.icosphere(subdivisions=6 if args.quick else 8).export(stl)
        steps = [CORPUS / "trimesh-models" / name for name in STEP_FILES]
        if not args.quick:
            steps += sorted((CORPUS / "voron-2").glob("*.st*p"))[:3]
        steps = [p for p in steps if p.exists()]
        groups: dict[str, Callable[[], None]] = {
            "mesh": lambda: bench_mesh(stl, args.repeat),
            "rays": lambda: _bench_rays_both(stl, args.repeat),
            "step": lambda: bench_step(steps, args.repeat),
            "cold": lambda: bench_cold(stl, steps[0], args.repeat),
            "requote": lambda: bench_requote(steps[0]),
            "server": lambda: bench_server(args.repeat),
        }
        if not steps:
            print(f"no corpus STEP files under {CORPUS}: set MICROFAB_CORPUS (step, cold and requote skipped)")
        for name, run in groups.items():
            if args.only in (None, name) and (steps or name in ("mesh", "rays", "server")):
                run()


if __name__ == "__main__":
    main()

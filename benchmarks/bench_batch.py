"""Benchmark: batch quoting on Dask (``quoting.batch_dask``), files per second with 1 and 2 workers.

The batch is ``--n`` distinct parts made from the shared corpus
(``/work/shared/corpus`` or ``$MICROFAB_CORPUS``): small STL files scaled by a
different factor each (a different part, a different sha256) and STEP files
re-exported with a different header (same shape, different bytes), so no
feature cache hides the measuring. Reported, in one run on one machine:

- the per-file cost of one ``microfab quote FILE`` (wall time of the command,
  minus its start-up: a process that imports the same modules and warms the kernels);
- files per second with a LocalCluster of 1 worker, then of 2 workers, each
  with an empty feature cache; the ratio 2/1 (the cluster's start-up and the
  workers' kernel warm-up are reported apart: a fixed cost per cluster);
- the mean CPU time of a file in its worker (measure + quote, one task at a time), which a
  loaded machine disturbs far less than wall time, and from it the cores that 100,000
  parts an hour need at 80 % utilisation;
- the same batch again on the 2 warm workers with every part in the cache (seconds;
  files that failed are tried again, errors are not cached).

Run: ``.venv/bin/python benchmarks/bench_batch.py [--n 300] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quoting.batch import BatchFile, RowStatus  # noqa: E402
from quoting.batch_dask import ClusterSpec, connect, map_files, warm_up_worker  # noqa: E402
from quoting.request import QuoteRequest  # noqa: E402
from quoting.workshops import load_workshops  # noqa: E402

CORPUS = Path(os.environ.get("MICROFAB_CORPUS", "/work/shared/corpus"))
MAX_SOURCE_BYTES = 300_000
_STRIDE = 97
_STARTUP = ("import api.cli.parts, quoting.engine, geometry.extract, geometry.loaders.step; "
            "from geometry.kernels.warm import warm_up; warm_up()")


def sources(limit_bytes: int = MAX_SOURCE_BYTES) -> list[Path]:
    """Small, usable corpus parts: STL meshes and STEP files, smallest first."""
    found = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in {".stl", ".step", ".stp"}
             and 2_000 < p.stat().st_size <= limit_bytes and "empty" not in p.name.lower()]
    return sorted(found, key=lambda p: (p.stat().st_size, p.name))


def make_variants(n: int, folder: Path) -> list[BatchFile]:
    """``n`` distinct files: each source in turn, scaled (STL) or with a new header (STEP).

    With ``_STRIDE`` prime to the pool size, the first ``len(pool)`` variants use every source once.
    """
    import trimesh

    meshes: dict[Path, trimesh.Trimesh] = {}
    pool = sources()
    folder.mkdir(parents=True, exist_ok=True)
    out: list[BatchFile] = []
    for i in range(n):
        src = pool[(i * _STRIDE) % len(pool)]  # spread over sizes and formats even for a small n
        round_ = i // len(pool)
        target = folder / f"v{i:04d}_{src.stem}{src.suffix.lower()}"
        if src.suffix.lower() == ".stl":
            mesh = meshes.get(src)
            if mesh is None:
                loaded = trimesh.load(src, force="mesh")
                mesh = meshes[src] = loaded
            scaled = mesh.copy()
            scaled.apply_scale(1.0 + 0.01 * (round_ + 1))
            scaled.export(target)
        else:
            text = src.read_bytes()
            marker = b"ISO-10303-21;"
            stamp = f"\n/* microfab bench variant {i} */".encode()
            target.write_bytes(text.replace(marker, marker + stamp, 1) if marker in text else text + stamp)
        out.append(BatchFile(str(target)))
    return out


def cli_cost(files: list[BatchFile], samples: int = 3) -> tuple[float, float]:
    """(mean seconds of ``microfab quote FILE``, seconds of the same command's start-up)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    base = [sys.executable, "-m", "api", "quote"]

    def timed(args: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(base + args, env=env, capture_output=True, check=False)
        return time.perf_counter() - t

    def started() -> float:  # what a quote's process pays before its file: imports and the kernels' warm-up
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", _STARTUP], env=env, capture_output=True, check=False)
        return time.perf_counter() - t

    startup = min(started() for _ in range(2))
    quotes = [timed([f.path, "--material", "al6061", "--qty", "1,10"]) for f in files[:samples]]
    return sum(quotes) / len(quotes), startup


def batch_run(files: list[BatchFile], workers: int,
              caches: list[Path]) -> tuple[float, list[float], int, float]:
    """(cluster start-up and warm-up s, seconds of each pass, files that failed, mean CPU s per file of pass 1).

    One LocalCluster of ``workers`` processes; one pass per cache folder (a new folder: nothing cached;
    the same folder again: everything cached but the files that failed).
    """
    cards = load_workshops()
    request = QuoteRequest.parse(material="al6061", quantities="1,10",
                                 known_finishes={k for c in cards for k in c.finishes})
    t = time.perf_counter()
    with connect(ClusterSpec(workers=workers)) as client:
        client.run(warm_up_worker)
        startup = time.perf_counter() - t
        passes: list[float] = []
        failed, cpu = 0, 0.0
        for cache in caches:
            t = time.perf_counter()
            rows = map_files(client, files, request, cards, cache_dir=str(cache))
            passes.append(time.perf_counter() - t)
            failed = len({r.file for r in rows if r.status == RowStatus.ERROR.value})
            if len(passes) == 1:
                cpu = sum({r.file: r.cpu_s for r in rows}.values()) / len(files)
    return startup, passes, failed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=300, help="distinct parts in the batch (default 300)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="microfab-bench-batch-"))
    try:
        files = make_variants(args.n, work / "parts")
        cli_s, startup_s = cli_cost(make_variants(3, work / "cli"))
        start_one, (one_s,), failed, cpu_s = batch_run(files, 1, [work / "cache1"])
        start_two, (two_s, cached_s), _, _ = batch_run(files, 2, [work / "cache2", work / "cache2"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "files": args.n, "failed_files": failed, "load_average_1min": round(os.getloadavg()[0], 2),
        "cli_quote_s": round(cli_s, 3), "cli_startup_s": round(startup_s, 3),
        "cli_per_file_s": round(cli_s - startup_s, 3),
        "cluster_start_1_worker_s": round(start_one, 2), "cluster_start_2_workers_s": round(start_two, 2),
        "one_worker_s": round(one_s, 2), "one_worker_files_per_s": round(args.n / one_s, 2),
        "one_worker_per_file_s": round(one_s / args.n, 3), "cpu_per_file_s": round(cpu_s, 3),
        "cores_for_100k_parts_per_h": round(100_000 / 3600 * cpu_s / 0.8, 1),
        "two_workers_s": round(two_s, 2), "two_workers_files_per_s": round(args.n / two_s, 2),
        "speedup_2_over_1": round(one_s / two_s, 2), "all_cached_rerun_2_workers_s": round(cached_s, 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>26}  {value}")


if __name__ == "__main__":
    main()

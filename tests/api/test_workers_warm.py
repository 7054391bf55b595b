"""Parse workers fork from a warm fork server: a worker that replaces a killed one starts warm and parses.

The fork server runs the warm-up once (``api.worker_preload``) on Numba's TBB threading layer, whose
threads survive a fork; a worker forked afterwards runs the parallel kernels again (no hang, the same
features as a parse in this process).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

from api.workers import Parsed, ParsePool
from geometry import measure
from tests import parts as cadparts


def test_tbb_is_the_threading_layer_of_a_fork_server() -> None:
    code = ("import numba; from geometry.kernels import use_fork_safe_threads; "
            "print(use_fork_safe_threads(), numba.config.THREADING_LAYER)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "tbb"]


def test_a_killed_worker_is_replaced_by_a_warm_one_that_parses() -> None:
    stl = cadparts.stl_bytes(cadparts.pocketed_block())

    async def run() -> list[Parsed]:
        pool = ParsePool(1, 120.0, 0, 10**8)
        await pool.start(prestart=True)
        try:
            out = [await pool.parse(stl, "block.stl", None)]
            for _ in range(2):  # killed from outside: replaced before its next parse, forked warm
                worker = next(iter(pool._all))
                worker.proc.kill()
                worker.proc.join()
                out.append(await pool.parse(stl, "block.stl", None))
            return out
        finally:
            await pool.close()

    parsed = asyncio.run(asyncio.wait_for(run(), 600))
    here = measure(stl, filename="block.stl").features.to_dict()
    assert all(p.features == here for p in parsed)

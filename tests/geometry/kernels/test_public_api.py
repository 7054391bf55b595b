"""The public surface of geometry.kernels is pinned (httpx pins ``__all__`` with a test)."""

from __future__ import annotations

import geometry.kernels as kernels


def test_all_is_sorted_and_complete() -> None:
    assert kernels.__all__ == sorted(kernels.__all__)
    for name in (
        "accessibility",
        "additive_orientation",
        "build_bvh",
        "convex_hull_volume",
        "mass_properties",
        "mesh_health",
        "oriented_bounding_box",
        "raycast",
        "wall_thickness",
    ):
        assert name in kernels.__all__
        assert callable(getattr(kernels, name))


_COUNT_COMPILED = """
import importlib, json, pkgutil, sys
import geometry.kernels as kernels
def compiled():
    counts = {}
    for info in pkgutil.iter_modules(kernels.__path__):
        module = importlib.import_module("geometry.kernels." + info.name)
        found = [o for o in vars(module).values() if hasattr(o, "signatures")]
        if found:
            counts[info.name] = sum(len(d.signatures) for d in found)
    return counts
before = compiled()
kernels.warm_up()
first = compiled()
kernels.warm_up()
json.dump([before, first, compiled()], sys.stdout)
"""


def test_warm_up_compiles_every_kernel_module_once() -> None:
    """In a fresh process: nothing compiled before, every kernel module after, nothing more the second time."""
    import json
    import os
    import subprocess
    import sys

    import pytest

    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("NUMBA_DISABLE_JIT: no dispatchers")
    out = subprocess.run([sys.executable, "-c", _COUNT_COMPILED], capture_output=True, text=True, check=True,
                         timeout=600)
    before, first, second = json.loads(out.stdout)
    assert not any(before.values())
    for name in ("access", "additive", "bvh", "health", "mass", "obb", "thickness"):
        assert first.get(name, 0) > 0, f"warm_up left geometry.kernels.{name} uncompiled"
    assert second == first, "a second warm_up compiled again"


def test_small_inputs_leave_the_thread_count_as_it_was() -> None:
    import numba

    from tests.geometry.kernels.shapes import box_mesh, tri

    before = numba.get_num_threads()
    kernels.mass_properties(tri(*box_mesh((1.0, 1.0, 1.0))))
    assert numba.get_num_threads() == before

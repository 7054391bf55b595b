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


def test_warm_up_runs() -> None:
    kernels.warm_up()


def test_small_inputs_leave_the_thread_count_as_it_was() -> None:
    import numba

    from tests.kernels.shapes import box_mesh, tri

    before = numba.get_num_threads()
    kernels.mass_properties(tri(*box_mesh((1.0, 1.0, 1.0))))
    assert numba.get_num_threads() == before

"""warm_up leaves nothing to compile: read-only input (Trimesh.triangles) uses a warmed version."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from geometry.kernels import health, mass, mass_properties, mesh_health, obb, oriented_bounding_box, warm_up


def _dispatchers() -> list:
    found = [obj for mod in (mass, health, obb) for obj in vars(mod).values() if hasattr(obj, "signatures")]
    if not found:
        pytest.skip("NUMBA_DISABLE_JIT: no dispatchers")
    return found


def test_read_only_input_after_warm_up_compiles_nothing() -> None:
    warm_up()
    before = {d: len(d.signatures) for d in _dispatchers()}
    mesh = trimesh.creation.icosphere(2)
    assert not mesh.triangles.flags.writeable
    mass_properties(mesh.triangles)
    mass_properties(mesh.triangles.astype(np.float32))
    v, f = mesh.vertices, mesh.faces
    v.flags.writeable = f.flags.writeable = False
    mesh_health(v, np.asarray(f, dtype=np.int64))
    oriented_bounding_box(v)
    assert {d: len(d.signatures) for d in _dispatchers()} == before

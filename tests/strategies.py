"""Shared hypothesis strategies: rigid motions, scale factors, small closed meshes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def rotations(draw: st.DrawFn) -> np.ndarray:
    """A proper rotation matrix (3, 3), uniform-ish via a normalised quaternion."""
    q = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4)))
    n = np.linalg.norm(q)
    if n < 1e-3:
        q, n = np.array([1.0, 0.0, 0.0, 0.0]), 1.0
    w, x, y, z = q / n
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


#: translations [mm]: within a machine's working volume
translations = st.lists(st.floats(-500.0, 500.0), min_size=3, max_size=3).map(np.array)

#: uniform scale factors [-]
scales = st.floats(0.05, 20.0)

#: box dimensions [mm]
box_dims = st.tuples(st.floats(0.5, 200.0), st.floats(0.5, 200.0), st.floats(0.5, 200.0))


@st.composite
def rigid_motions(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """(rotation (3, 3), translation (3,) [mm])."""
    return draw(rotations()), draw(translations)


@st.composite
def voxel_shapes(draw: st.DrawFn, max_side: int = 4) -> np.ndarray:
    """A small occupancy grid that is one face-connected solid with no edge- or vertex-only contacts
    (a stack of full-depth columns of random heights: always a manifold solid)."""
    nx = draw(st.integers(1, max_side))
    heights = draw(st.lists(st.integers(1, max_side), min_size=nx, max_size=nx))
    ny = draw(st.integers(1, 2))
    occ = np.zeros((nx, ny, max_side), dtype=bool)
    for i, h in enumerate(heights):
        occ[i, :, :h] = True
    return occ

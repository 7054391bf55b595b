"""Normal cones of BVH nodes: which nodes a wall-thickness ray may skip whole.

``wall_thickness`` accepts only triangles whose outward normal points along its ray (the
ray leaves the solid there; ``bvh.CULL_ENTERING``). A node whose triangles' unit normals
all lie within a cone (axis ``a``, half-angle ``theta``) has no such triangle for a ray
direction ``d`` when ``a . d <= -sin(theta)``: the tracer then skips the node and its
subtree. A wall ray starts on the surface going inwards, so the nodes around its start
(its own neighbours, all facing it) drop out at once. Results are unchanged: the skipped
triangles are the ones the per-triangle test would have culled.
"""

from __future__ import annotations

import weakref

import numpy as np

from geometry.kernels._config import jit
from geometry.kernels.bvh import BVH

__all__ = ["NEVER", "cones_for", "normal_cones"]

#: the sine bound of a cone wider than a hemisphere: no direction culls all of it
NEVER = 2.0
#: the sine bound of a node with no triangle of positive area (all culled by the per-triangle test)
EMPTY = -1.0


def normal_cones(tree: BVH, slack: float) -> np.ndarray:
    """(k, 4) float64 per node: unit cone axis (zero when empty) and the skip bound ``sin(theta) + slack``
    (``NEVER`` for a cone over a hemisphere, ``EMPTY`` when the node has no triangle of positive area)."""
    return _cones_kernel(tree.tri9, tree.left, tree.right, tree.start, tree.count, slack)


#: the cones of each BVH, built on first use and kept while the BVH lives (they depend on it alone)
_CONES: weakref.WeakKeyDictionary[BVH, tuple[float, np.ndarray]] = weakref.WeakKeyDictionary()


def cones_for(tree: BVH, slack: float) -> np.ndarray:
    """``normal_cones(tree, slack)``, computed once per BVH and slack: like the BVH itself, an acceleration
    structure over the triangles, reused by every later thickness call on the same BVH."""
    kept = _CONES.get(tree)
    if kept is not None and kept[0] == slack:
        return kept[1]
    cones = normal_cones(tree, slack)
    _CONES[tree] = (slack, cones)
    return cones


@jit
def _leaf_cone(tri9: np.ndarray, lo: int, hi: int, out: np.ndarray) -> None:  # pragma: no cover - inlined
    """The cone of triangles lo..hi (BVH order) into ``out`` (4,): axis = their mean unit normal."""
    ax = 0.0
    ay = 0.0
    az = 0.0
    for i in range(lo, hi):
        nx = tri9[i, 4] * tri9[i, 8] - tri9[i, 5] * tri9[i, 7]
        ny = tri9[i, 5] * tri9[i, 6] - tri9[i, 3] * tri9[i, 8]
        nz = tri9[i, 3] * tri9[i, 7] - tri9[i, 4] * tri9[i, 6]
        s = np.sqrt(nx * nx + ny * ny + nz * nz)
        if s > 0.0:
            ax += nx / s
            ay += ny / s
            az += nz / s
    length = np.sqrt(ax * ax + ay * ay + az * az)
    out[0] = out[1] = out[2] = 0.0
    if length == 0.0:
        out[3] = EMPTY if hi == lo or _all_degenerate(tri9, lo, hi) else NEVER
        return
    out[0] = ax / length
    out[1] = ay / length
    out[2] = az / length
    least = 1.0  # the least cosine between the axis and a member normal
    for i in range(lo, hi):
        nx = tri9[i, 4] * tri9[i, 8] - tri9[i, 5] * tri9[i, 7]
        ny = tri9[i, 5] * tri9[i, 6] - tri9[i, 3] * tri9[i, 8]
        nz = tri9[i, 3] * tri9[i, 7] - tri9[i, 4] * tri9[i, 6]
        s = np.sqrt(nx * nx + ny * ny + nz * nz)
        if s > 0.0:
            least = min(least, (nx * out[0] + ny * out[1] + nz * out[2]) / s)
    out[3] = _bound(np.arccos(max(-1.0, min(1.0, least))))


@jit
def _all_degenerate(tri9: np.ndarray, lo: int, hi: int) -> bool:  # pragma: no cover - inlined
    for i in range(lo, hi):
        nx = tri9[i, 4] * tri9[i, 8] - tri9[i, 5] * tri9[i, 7]
        ny = tri9[i, 5] * tri9[i, 6] - tri9[i, 3] * tri9[i, 8]
        nz = tri9[i, 3] * tri9[i, 7] - tri9[i, 4] * tri9[i, 6]
        if nx != 0.0 or ny != 0.0 or nz != 0.0:
            return False
    return True


@jit
def _bound(theta: float) -> float:  # pragma: no cover - inlined
    """The skip bound of a cone of half-angle ``theta`` [rad]: sin(theta), ``NEVER`` past a right angle."""
    return NEVER if theta >= 0.5 * np.pi else np.sin(theta)


@jit
def _angle(a: np.ndarray, b: np.ndarray) -> float:  # pragma: no cover - inlined
    return float(np.arccos(max(-1.0, min(1.0, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))))


@jit
def _merge(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - inlined
    """The cone holding cones ``a`` and ``b`` (4,) into ``out``: axis between theirs, the wider reach."""
    if a[3] == EMPTY or b[3] == EMPTY:
        out[:] = b if a[3] == EMPTY else a
        return
    if a[3] == NEVER or b[3] == NEVER:
        out[:] = 0.0
        out[3] = NEVER
        return
    ax = a[0] + b[0]
    ay = a[1] + b[1]
    az = a[2] + b[2]
    length = np.sqrt(ax * ax + ay * ay + az * az)
    out[:] = 0.0
    if length == 0.0:
        out[3] = NEVER
        return
    out[0] = ax / length
    out[1] = ay / length
    out[2] = az / length
    theta = max(_angle(out, a) + np.arcsin(a[3]), _angle(out, b) + np.arcsin(b[3]))
    out[3] = _bound(theta)


@jit
def _cones_kernel(tri9: np.ndarray, left: np.ndarray, right: np.ndarray, start: np.ndarray, count: np.ndarray,
                  slack: float) -> np.ndarray:
    """Cones of every node, children before parents (nodes in pre-order: a child's index is above its parent's)."""
    k = left.shape[0]
    cones = np.empty((k, 4))
    for node in range(k - 1, -1, -1):
        if left[node] < 0:
            _leaf_cone(tri9, start[node], start[node] + count[node], cones[node])
        else:
            _merge(cones[left[node]], cones[right[node]], cones[node])
    for node in range(k):
        if cones[node, 3] != NEVER and cones[node, 3] != EMPTY:
            cones[node, 3] += slack
    return cones

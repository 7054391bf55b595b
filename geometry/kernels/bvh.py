"""Bounding-volume hierarchy over triangles and first-hit ray casting.

``build_bvh`` sorts triangles along a Morton curve of their centroids and
splits ranges at the highest differing bit (a linear BVH: fast to build,
good enough to trace); ``raycast`` traces rays in parallel, nearest child
first, Moller-Trumbore per triangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from geometry.errors import InputError
from geometry.kernels._config import jit, jit_parallel, n_chunks, serial_for_small
from geometry.kernels._validate import as_points, as_triangles, check_finite
from geometry.tolerances import tol

#: triangles per leaf at most
LEAF_SIZE = 8
#: depth of the per-ray traversal stack (a Morton BVH is at most 63 bit splits + 31 median splits deep)
STACK_DEPTH = 128
#: barycentric slack (``tol.barycentric_slack_rel``), frozen into the kernels when they compile
BARY_EPS = tol.barycentric_slack_rel
#: node box padding, a fraction of the scene diagonal (``tol.box_pad_rel``)
BOX_PAD_REL = tol.box_pad_rel
#: a divisor under this in magnitude is zero or subnormal (``tol.tiny``)
TINY = tol.tiny
#: the slope a ray's zero or subnormal direction component gets instead of an overflow to inf (about 1 / TINY)
HUGE_SLOPE = 1e300
#: cull modes of the tracer
CULL_NONE = 0
#: only hits on triangles whose outward normal points along the ray (the ray leaves the solid there)
CULL_ENTERING = 1


@dataclass(frozen=True, eq=False)
class BVH:
    """A BVH in flat arrays (nodes in pre-order: a child's index is above its parent's).

    bounds : (k, 6) float64 [mm] min xyz, max xyz of each node;
    left, right : (k,) int64 children (-1 on leaves); start, count : (k,) int64 triangle range of leaves;
    tri9 : (n, 9) float64 [mm] vertex 0, edge 1, edge 2 of each triangle in BVH order;
    order : (n,) int64, original triangle id of each triangle in BVH order;
    diagonal_mm : the bounding-box diagonal of the triangles [mm], never 0 (computed once here,
    read by every ray kernel).
    """

    bounds: np.ndarray
    left: np.ndarray
    right: np.ndarray
    start: np.ndarray
    count: np.ndarray
    tri9: np.ndarray
    order: np.ndarray
    diagonal_mm: float = 0.0

    @property
    def n_triangles(self) -> int:
        return int(self.order.shape[0])

    @property
    def n_nodes(self) -> int:
        return int(self.left.shape[0])


@dataclass(frozen=True, eq=False)
class RayHits:
    """distance_mm : (r,) float64 [mm] along the (normalised) ray, inf on a miss;
    triangle : (r,) int64 original triangle id, -1 on a miss."""

    distance_mm: np.ndarray
    triangle: np.ndarray


@serial_for_small("triangles")
def build_bvh(triangles: np.ndarray) -> BVH:
    """A BVH over ``triangles`` : (n, 3, 3) float64 [mm]."""
    tri = as_triangles(triangles, finite=False)
    n = tri.shape[0]
    lo, hi, finite = _extent_kernel(tri, n_chunks(n))
    if not finite:
        check_finite(tri, "triangle coordinates")
    codes = _morton_kernel(tri, lo, hi, n_chunks(n))
    order = np.argsort(codes, kind="stable").astype(np.int64)
    codes = codes[order]
    left, right, start, count = _topology_kernel(codes, LEAF_SIZE)
    tri9 = _reorder_kernel(tri, order)
    pad = BOX_PAD_REL * float(np.linalg.norm(hi - lo)) + np.finfo(np.float64).tiny
    bounds = _refit_kernel(tri9, left, right, start, count, pad)
    diag = max(float(np.linalg.norm(hi - lo)), tol.tiny)
    return BVH(bounds, left, right, start, count, tri9, order, diag)


@serial_for_small("origins")
def raycast(bvh: BVH, origins: np.ndarray, directions: np.ndarray) -> RayHits:
    """First hit of each ray.

    origins : (r, 3) float64 [mm]; directions : (r, 3) float64, normalised here.
    Both faces of a triangle are hit; distances are along the normalised direction [mm].
    """
    o = as_points(origins, min_count=0)
    d = as_points(directions, min_count=0)
    if o.shape != d.shape:
        raise InputError(f"origins {o.shape} and directions {d.shape} differ in shape")
    norm = np.linalg.norm(d, axis=1)
    if np.any(norm == 0):
        raise InputError("a ray direction is the zero vector")
    d = np.ascontiguousarray(d / norm[:, None])
    skip = np.full(o.shape[0], -1, dtype=np.int64)
    t, hit = _raycast_kernel(
        bvh.bounds, bvh.left, bvh.right, bvh.start, bvh.count, bvh.tri9,
        o, d, 0.0, skip, CULL_NONE, False, n_chunks(o.shape[0]),
    )
    tri_id = np.where(hit >= 0, bvh.order[np.maximum(hit, 0)], -1)
    return RayHits(t, tri_id)


@jit_parallel
def _extent_kernel(tri: np.ndarray, nchunk: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Least and greatest coordinate of the triangles (n, 3, 3) [mm], each (3,), and whether all are finite
    (one pass; numpy's ``min(axis=(0, 1))`` takes a strided pass per call)."""
    n = tri.shape[0]
    lo = np.full((nchunk, 3), np.inf)
    hi = np.full((nchunk, 3), -np.inf)
    bad = np.zeros(nchunk, dtype=np.bool_)
    flat = tri.reshape(n, 9)
    for c in numba.prange(nchunk):
        x0 = y0 = z0 = np.inf
        x1 = y1 = z1 = -np.inf
        fine = True
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            for j in range(0, 9, 3):
                x = flat[i, j]
                y = flat[i, j + 1]
                z = flat[i, j + 2]
                fine &= np.isfinite(x) & np.isfinite(y) & np.isfinite(z)
                x0 = min(x0, x)
                y0 = min(y0, y)
                z0 = min(z0, z)
                x1 = max(x1, x)
                y1 = max(y1, y)
                z1 = max(z1, z)
        bad[c] = not fine
        lo[c, 0], lo[c, 1], lo[c, 2] = x0, y0, z0
        hi[c, 0], hi[c, 1], hi[c, 2] = x1, y1, z1
    out_lo = np.empty(3)
    out_hi = np.empty(3)
    for k in range(3):
        out_lo[k] = lo[:, k].min()
        out_hi[k] = hi[:, k].max()
    return out_lo, out_hi, not bad.any()


@jit
def _expand_bits(v: np.int64) -> np.int64:  # pragma: no cover - inlined
    v = (v | (v << 32)) & 0x1F00000000FFFF
    v = (v | (v << 16)) & 0x1F0000FF0000FF
    v = (v | (v << 8)) & 0x100F00F00F00F00F
    v = (v | (v << 4)) & 0x10C30C30C30C30C3
    v = (v | (v << 2)) & 0x1249249249249249
    return v


@jit_parallel
def _morton_kernel(tri: np.ndarray, lo: np.ndarray, hi: np.ndarray, nchunk: int) -> np.ndarray:
    """63-bit Morton code of each triangle centroid: (n,) int64. tri : (n, 3, 3) float64 [mm]."""
    n = tri.shape[0]
    codes = np.empty(n, dtype=np.int64)
    scale = np.empty(3)
    for k in range(3):
        ext = hi[k] - lo[k]
        scale[k] = 2097151.0 / ext if ext > 0 else 0.0
    for c in numba.prange(nchunk):
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            code = np.int64(0)
            for k in range(3):
                cen = (tri[i, 0, k] + tri[i, 1, k] + tri[i, 2, k]) / 3.0
                q = np.int64((cen - lo[k]) * scale[k])
                q = min(max(q, np.int64(0)), np.int64(2097151))
                code |= _expand_bits(q) << (2 - k)
            codes[i] = code
    return codes


@jit
def _topology_kernel(codes: np.ndarray, leaf_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split sorted ``codes`` into a binary tree, pre-order: (left, right, start, count), each (k,) int64."""
    n = codes.shape[0]
    cap = 2 * n
    left = np.full(cap, -1, dtype=np.int64)
    right = np.full(cap, -1, dtype=np.int64)
    start = np.zeros(cap, dtype=np.int64)
    count = np.zeros(cap, dtype=np.int64)
    stack_node = np.empty(128, dtype=np.int64)
    stack_lo = np.empty(128, dtype=np.int64)
    stack_hi = np.empty(128, dtype=np.int64)
    sp = 0
    stack_node[0] = 0
    stack_lo[0] = 0
    stack_hi[0] = n
    sp = 1
    used = 1
    while sp > 0:
        sp -= 1
        node = stack_node[sp]
        lo = stack_lo[sp]
        hi = stack_hi[sp]
        if hi - lo <= leaf_size:
            start[node] = lo
            count[node] = hi - lo
            continue
        diff = codes[lo] ^ codes[hi - 1]
        if diff == 0:
            split = (lo + hi) // 2
        else:
            bit = 62
            while (diff >> bit) & 1 == 0:
                bit -= 1
            a = lo
            b = hi - 1  # codes[b] has the bit set, codes[lo] has not
            while b - a > 1:
                m = (a + b) // 2
                if (codes[m] >> bit) & 1:
                    b = m
                else:
                    a = m
            split = b
        left[node] = used
        right[node] = used + 1
        used += 2
        stack_node[sp] = used - 1
        stack_lo[sp] = split
        stack_hi[sp] = hi
        stack_node[sp + 1] = used - 2
        stack_lo[sp + 1] = lo
        stack_hi[sp + 1] = split
        sp += 2
    return left[:used].copy(), right[:used].copy(), start[:used].copy(), count[:used].copy()


@jit_parallel
def _reorder_kernel(tri: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Triangles in BVH order as (n, 9): vertex 0, edge 1, edge 2 [mm]."""
    n = order.shape[0]
    out = np.empty((n, 9))
    for i in numba.prange(n):
        j = order[i]
        for k in range(3):
            out[i, k] = tri[j, 0, k]
            out[i, 3 + k] = tri[j, 1, k] - tri[j, 0, k]
            out[i, 6 + k] = tri[j, 2, k] - tri[j, 0, k]
    return out


@jit
def _refit_kernel(tri9: np.ndarray, left: np.ndarray, right: np.ndarray, start: np.ndarray, count: np.ndarray, pad: float) -> np.ndarray:
    """Node bounds (k, 6) [mm], leaves grown by ``pad`` [mm], children before parents (reverse pre-order)."""
    k = left.shape[0]
    bounds = np.empty((k, 6))
    for node in range(k - 1, -1, -1):
        if left[node] < 0:
            for a in range(3):
                bounds[node, a] = np.inf
                bounds[node, 3 + a] = -np.inf
            for i in range(start[node], start[node] + count[node]):
                for a in range(3):
                    v0 = tri9[i, a]
                    v1 = v0 + tri9[i, 3 + a]
                    v2 = v0 + tri9[i, 6 + a]
                    bounds[node, a] = min(bounds[node, a], v0, v1, v2)
                    bounds[node, 3 + a] = max(bounds[node, 3 + a], v0, v1, v2)
            for a in range(3):
                bounds[node, a] -= pad
                bounds[node, 3 + a] += pad
        else:
            le = left[node]
            ri = right[node]
            for a in range(3):
                bounds[node, a] = min(bounds[le, a], bounds[ri, a])
                bounds[node, 3 + a] = max(bounds[le, 3 + a], bounds[ri, 3 + a])
    return bounds


@jit
def _slab(
    bounds: np.ndarray, node: int, ox: float, oy: float, oz: float, ix: float, iy: float, iz: float, tmax: float
) -> float:  # pragma: no cover - inlined
    """Entry distance of a ray into a node's box, inf if it misses within [0, tmax]."""
    t1 = (bounds[node, 0] - ox) * ix
    t2 = (bounds[node, 3] - ox) * ix
    tn = min(t1, t2)
    tf = max(t1, t2)
    t1 = (bounds[node, 1] - oy) * iy
    t2 = (bounds[node, 4] - oy) * iy
    tn = max(tn, min(t1, t2))
    tf = min(tf, max(t1, t2))
    t1 = (bounds[node, 2] - oz) * iz
    t2 = (bounds[node, 5] - oz) * iz
    tn = max(tn, min(t1, t2))
    tf = min(tf, max(t1, t2))
    if tf < max(tn, 0.0) or tn > tmax:
        return np.inf
    return float(max(tn, 0.0))


@jit
def _inv(x: float) -> float:  # pragma: no cover - inlined
    # |x| under TINY (zero or subnormal): a huge finite slope, never an overflow to inf
    if abs(x) < TINY:
        return HUGE_SLOPE if x >= 0.0 else -HUGE_SLOPE
    return 1.0 / x


@jit
def _facing_away(cones: np.ndarray, node: int, cull: int, dx: float, dy: float, dz: float) -> bool:  # pragma: no cover
    """Whether every triangle under ``node`` faces against the ray (culled when entering faces are)."""
    if cull != CULL_ENTERING or cones.shape[0] == 0:
        return False
    return bool(cones[node, 0] * dx + cones[node, 1] * dy + cones[node, 2] * dz <= -cones[node, 3])


@jit
def trace(
    bounds: np.ndarray, left: np.ndarray, right: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray,
    ox: float, oy: float, oz: float, dx: float, dy: float, dz: float, tmin: float, tmax: float,
    skip: int, cull: int, any_hit: bool, stack: np.ndarray, cones: np.ndarray,
) -> tuple[float, int]:
    """First hit of one ray in (tmin, tmax): (distance [mm], triangle index in BVH order or -1).

    skip : a BVH-order triangle index never hit (-1: none); cull : CULL_NONE or CULL_ENTERING;
    any_hit : stop at the first accepted hit (occlusion test); stack : (STACK_DEPTH,) int64 scratch;
    cones : (k, 4) float64 normal cones of the nodes (``kernels.cones``; with CULL_ENTERING a node whose
    triangles all face against the ray is skipped whole) or (0, 4): none.
    """
    ix = _inv(dx)
    iy = _inv(dy)
    iz = _inv(dz)
    best = tmax
    best_id = -1
    if _slab(bounds, 0, ox, oy, oz, ix, iy, iz, best) == np.inf:
        return np.inf, -1
    sp = 0
    stack[0] = 0
    sp = 1
    while sp > 0:
        sp -= 1
        node = stack[sp]
        if left[node] < 0:
            for i in range(start[node], start[node] + count[node]):
                if i == skip:
                    continue
                e1x = tri9[i, 3]
                e1y = tri9[i, 4]
                e1z = tri9[i, 5]
                e2x = tri9[i, 6]
                e2y = tri9[i, 7]
                e2z = tri9[i, 8]
                if cull == 1:
                    nx = e1y * e2z - e1z * e2y
                    ny = e1z * e2x - e1x * e2z
                    nz = e1x * e2y - e1y * e2x
                    if nx * dx + ny * dy + nz * dz <= 0.0:
                        continue
                px = dy * e2z - dz * e2y
                py = dz * e2x - dx * e2z
                pz = dx * e2y - dy * e2x
                det = e1x * px + e1y * py + e1z * pz
                if abs(det) < TINY:  # zero or subnormal: parallel, and 1/det would overflow
                    continue
                inv_det = 1.0 / det
                sx = ox - tri9[i, 0]
                sy = oy - tri9[i, 1]
                sz = oz - tri9[i, 2]
                u = (sx * px + sy * py + sz * pz) * inv_det
                if u < -BARY_EPS or u > 1.0 + BARY_EPS:
                    continue
                qx = sy * e1z - sz * e1y
                qy = sz * e1x - sx * e1z
                qz = sx * e1y - sy * e1x
                v = (dx * qx + dy * qy + dz * qz) * inv_det
                if v < -BARY_EPS or u + v > 1.0 + BARY_EPS:
                    continue
                t = (e2x * qx + e2y * qy + e2z * qz) * inv_det
                if t > tmin and t < best:
                    best = t
                    best_id = i
                    if any_hit:
                        return best, best_id
            continue
        a = left[node]
        b = right[node]
        ta = np.inf if _facing_away(cones, a, cull, dx, dy, dz) else _slab(bounds, a, ox, oy, oz, ix, iy, iz, best)
        tb = np.inf if _facing_away(cones, b, cull, dx, dy, dz) else _slab(bounds, b, ox, oy, oz, ix, iy, iz, best)
        if ta > tb:
            a, b = b, a
            ta, tb = tb, ta
        if tb != np.inf:
            stack[sp] = b
            sp += 1
        if ta != np.inf:
            stack[sp] = a
            sp += 1
    if best_id < 0:
        return np.inf, -1
    return best, best_id


@jit_parallel
def _raycast_kernel(
    bounds: np.ndarray, left: np.ndarray, right: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, o: np.ndarray, d: np.ndarray, tmin: float,
    skip: np.ndarray, cull: int, any_hit: bool, nchunk: int,
) -> tuple[np.ndarray, np.ndarray]:
    """First hits of r rays: distances (r,) float64 [mm] (inf: miss), BVH-order triangle (r,) int64 (-1: miss)."""
    r = o.shape[0]
    dist = np.empty(r)
    hit = np.empty(r, dtype=np.int64)
    for c in numba.prange(nchunk):
        stack = np.empty(STACK_DEPTH, dtype=np.int64)
        no_cones = np.empty((0, 4))
        for i in range(c * r // nchunk, (c + 1) * r // nchunk):
            t, h = trace(
                bounds, left, right, start, count, tri9,
                o[i, 0], o[i, 1], o[i, 2], d[i, 0], d[i, 1], d[i, 2],
                tmin, np.inf, skip[i], cull, any_hit, stack, no_cones,
            )
            dist[i] = t
            hit[i] = h
    return dist, hit

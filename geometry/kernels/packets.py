"""Ray packets: up to ``PACKET_RAYS`` neighbouring rays traced through the BVH together.

The per-triangle ray kernels (wall thickness, accessibility, additive support) cast one
ray from each triangle. Taken in BVH order, neighbouring triangles lie close together and
(for thickness) face nearly the same way, so their rays visit nearly the same nodes. A
packet visits a node once for all its rays: the box (and normal-cone) test runs over the
rays in one loop, which the compiler vectorises, and a node no ray of the packet enters
is skipped whole. Each ray keeps its own nearest distance, so every ray gets exactly the
answer the one-ray tracer (``bvh.trace``) gives it: a node is only skipped when none of
the packet's rays can hit a triangle inside it, and triangles are tested per ray with the
same Moller-Trumbore test (a ray's own face skipped, faces it enters culled if asked).

A packet is a handful of small arrays, one slot a ray (``lanes()``): origin, direction,
inverse direction, the nearest hit so far ("best", also the ray's upper limit) and the
BVH-order triangle it started on. A slot whose ``best`` is negative is idle: its box
tests always fail. A packet whose rays all go along one coordinate axis (accessibility,
support drops) tests each box as the ray's column (``_enters_axis``), after one test of the box against
the rectangle the packet's columns span; in a leaf it passes over a triangle whose box across the axis
(widened by the slack the triangle test allows) no entering column meets (``_column_misses``), which
saves a tenth of the accessibility rays' time on a real part's shape with the same answers.

Numba caches a kernel by its own file: after editing this one, delete
``geometry/kernels/__pycache__/*.nb?`` (see ``_config``).
"""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import jit_inline
from geometry.kernels.bvh import BARY_EPS, HUGE_SLOPE, TINY

__all__ = ["PACKET_RAYS", "PACKET_STACK", "axis_of", "lanes", "load_lane", "trace_packet"]

#: rays per packet: 16 measured fastest against 8 and 32 on the 82 k-triangle icosphere (2.3x the one-ray tracer)
PACKET_RAYS = 16
#: traversal stack of a packet: two entries pushed per inner node, at most the BVH's depth (< 128) deep
PACKET_STACK = 256
#: rows of ``Lanes.ray``: origin xyz, direction xyz, inverse direction xyz
_RAY_ROWS = 9


@jit_inline
def lanes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scratch of one packet: ray (9, P) float64, best (P,) float64 [mm], best_id (P,) int64, skip (P,)
    int64, hit (P,) bool, t (P,) float64, stack (PACKET_STACK,) int64."""
    ray = np.empty((_RAY_ROWS, PACKET_RAYS))
    best = np.empty(PACKET_RAYS)
    best_id = np.empty(PACKET_RAYS, dtype=np.int64)
    skip = np.empty(PACKET_RAYS, dtype=np.int64)
    hit = np.zeros(PACKET_RAYS, dtype=np.bool_)
    t = np.empty(PACKET_RAYS)
    stack = np.empty(PACKET_STACK, dtype=np.int64)
    return ray, best, best_id, skip, hit, t, stack


@jit_inline
def axis_of(dx: float, dy: float, dz: float) -> int:
    """0, 1 or 2 when the unit direction (dx, dy, dz) is that coordinate axis (either way), else -1."""
    if dy == 0.0 and dz == 0.0 and abs(dx) == 1.0:
        return 0
    if dx == 0.0 and dz == 0.0 and abs(dy) == 1.0:
        return 1
    if dx == 0.0 and dy == 0.0 and abs(dz) == 1.0:
        return 2
    return -1


@jit_inline
def _inv(x: float) -> float:  # pragma: no cover - inlined
    # as ``bvh._inv``: a huge finite slope for a zero or subnormal component, never an overflow to inf
    if abs(x) < TINY:
        return HUGE_SLOPE if x >= 0.0 else -HUGE_SLOPE
    return 1.0 / x


@jit_inline
def load_lane(
    ray: np.ndarray, best: np.ndarray, best_id: np.ndarray, skip: np.ndarray, r: int,
    ox: float, oy: float, oz: float, dx: float, dy: float, dz: float, tmax: float, skip_id: int,
) -> None:  # pragma: no cover - inlined
    """Put one ray in slot ``r``: origin [mm], unit direction, upper limit ``tmax`` [mm] (negative: idle
    slot), the BVH-order triangle it never hits (-1: none)."""
    ray[0, r] = ox
    ray[1, r] = oy
    ray[2, r] = oz
    ray[3, r] = dx
    ray[4, r] = dy
    ray[5, r] = dz
    ray[6, r] = _inv(dx)
    ray[7, r] = _inv(dy)
    ray[8, r] = _inv(dz)
    best[r] = tmax
    best_id[r] = -1
    skip[r] = skip_id


@jit_inline
def _enters(
    bounds: np.ndarray, cones: np.ndarray, node: int, ray: np.ndarray, best: np.ndarray, hit: np.ndarray,
    nl: int, cull_cones: bool,
) -> bool:  # pragma: no cover - inlined
    """Which of the ``nl`` rays enter ``node``'s box within [0, best] (into ``hit``), and whether any does;
    with ``cull_cones``, a ray for which every triangle below faces against it does not."""
    b0 = bounds[node, 0]
    b1 = bounds[node, 1]
    b2 = bounds[node, 2]
    b3 = bounds[node, 3]
    b4 = bounds[node, 4]
    b5 = bounds[node, 5]
    any_ray = False
    for r in range(nl):
        t1 = (b0 - ray[0, r]) * ray[6, r]
        t2 = (b3 - ray[0, r]) * ray[6, r]
        tn = min(t1, t2)
        tf = max(t1, t2)
        t1 = (b1 - ray[1, r]) * ray[7, r]
        t2 = (b4 - ray[1, r]) * ray[7, r]
        tn = max(tn, min(t1, t2))
        tf = min(tf, max(t1, t2))
        t1 = (b2 - ray[2, r]) * ray[8, r]
        t2 = (b5 - ray[2, r]) * ray[8, r]
        tn = max(max(tn, min(t1, t2)), 0.0)
        tf = min(tf, max(t1, t2))
        h = (tf >= tn) & (tn <= best[r])
        if cull_cones:
            h = h & (cones[node, 0] * ray[3, r] + cones[node, 1] * ray[4, r] + cones[node, 2] * ray[5, r] > -cones[node, 3])
        hit[r] = h
        any_ray = any_ray | h
    return any_ray


@jit_inline
def _enters_axis(
    bounds: np.ndarray, node: int, ray: np.ndarray, best: np.ndarray, hit: np.ndarray, nl: int, k: int,
) -> bool:  # pragma: no cover - inlined
    """``_enters`` for rays along axis ``k`` (direction component +-1, the other two 0): the ray's two other
    coordinates within the box's, and the box's extent along k reached within [0, best]. Along k this is
    the slab test's arithmetic (the inverse of +-1 is +-1); across, the slab test multiplies by a huge
    slope and tells the same, except that it may also turn away a ray that runs exactly in a box face,
    which this keeps: never fewer nodes than ``_enters`` visits."""
    u = (k + 1) % 3
    w = (k + 2) % 3
    lo_u = bounds[node, u]
    hi_u = bounds[node, 3 + u]
    lo_w = bounds[node, w]
    hi_w = bounds[node, 3 + w]
    lo_k = bounds[node, k]
    hi_k = bounds[node, 3 + k]
    any_ray = False
    for r in range(nl):
        sign = ray[3 + k, r]
        t1 = (lo_k - ray[k, r]) * sign
        t2 = (hi_k - ray[k, r]) * sign
        tn = max(min(t1, t2), 0.0)
        tf = max(t1, t2)
        h = (ray[u, r] >= lo_u) & (ray[u, r] <= hi_u) & (ray[w, r] >= lo_w) & (ray[w, r] <= hi_w)
        h = h & (tf >= tn) & (tn <= best[r])
        hit[r] = h
        any_ray = any_ray | h
    return any_ray


@jit_inline
def _triangle(
    tri9: np.ndarray, j: int, ray: np.ndarray, best: np.ndarray, best_id: np.ndarray, skip: np.ndarray,
    hit: np.ndarray, t_out: np.ndarray, nl: int, tmin: float, cull: bool,
) -> bool:  # pragma: no cover - inlined
    """Moller-Trumbore of BVH-order triangle ``j`` against the rays flagged in ``hit``: a ray's best drops to
    a hit in (tmin, best); with ``cull``, only where the ray leaves the solid. Whether any ray hit it."""
    e1x = tri9[j, 3]
    e1y = tri9[j, 4]
    e1z = tri9[j, 5]
    e2x = tri9[j, 6]
    e2y = tri9[j, 7]
    e2z = tri9[j, 8]
    nx = e1y * e2z - e1z * e2y
    ny = e1z * e2x - e1x * e2z
    nz = e1x * e2y - e1y * e2x
    any_hit = False
    for r in range(nl):
        dx = ray[3, r]
        dy = ray[4, r]
        dz = ray[5, r]
        px = dy * e2z - dz * e2y
        py = dz * e2x - dx * e2z
        pz = dx * e2y - dy * e2x
        det = e1x * px + e1y * py + e1z * pz
        ok = hit[r] & (abs(det) >= TINY) & (skip[r] != j)  # |det| < TINY: parallel, 1/det would overflow
        if cull:
            ok = ok & (nx * dx + ny * dy + nz * dz > 0.0)
        inv_det = 1.0 / (det if ok else 1.0)  # every lane computes; masked lanes divide by 1
        sx = ray[0, r] - tri9[j, 0]
        sy = ray[1, r] - tri9[j, 1]
        sz = ray[2, r] - tri9[j, 2]
        u = (sx * px + sy * py + sz * pz) * inv_det
        qx = sy * e1z - sz * e1y
        qy = sz * e1x - sx * e1z
        qz = sx * e1y - sy * e1x
        v = (dx * qx + dy * qy + dz * qz) * inv_det
        t = (e2x * qx + e2y * qy + e2z * qz) * inv_det
        ok = ok & (u >= -BARY_EPS) & (u <= 1.0 + BARY_EPS) & (v >= -BARY_EPS) & (u + v <= 1.0 + BARY_EPS)
        ok = ok & (t > tmin) & (t < best[r])
        t_out[r] = t if ok else np.inf
        any_hit = any_hit | ok
    if any_hit:
        for r in range(nl):
            if t_out[r] < best[r]:
                best[r] = t_out[r]
                best_id[r] = j
    return any_hit


@jit_inline
def _origin_span(ray: np.ndarray, hit: np.ndarray, nl: int, c: int) -> tuple[float, float]:  # pragma: no cover
    """The least and greatest coordinate ``c`` [mm] of the origins of the rays flagged in ``hit`` (inf, -inf:
    none)."""
    lo = np.inf
    hi = -np.inf
    for r in range(nl):
        if hit[r]:
            lo = min(lo, ray[c, r])
            hi = max(hi, ray[c, r])
    return lo, hi


@jit_inline
def _active_rect(
    ray: np.ndarray, hit: np.ndarray, nl: int, u: int, w: int, along_axis: bool,
) -> tuple[float, float, float, float]:  # pragma: no cover - inlined
    """The rectangle (lo_u, hi_u, lo_w, hi_w) [mm] of the origins' coordinates u and w over the rays flagged
    in ``hit``: where rays along the third axis can meet a triangle of the leaf they entered. Unbounded
    when the rays are not ``along_axis`` (no triangle is then passed over)."""
    if not along_axis:
        return -np.inf, np.inf, -np.inf, np.inf
    lo_u, hi_u = _origin_span(ray, hit, nl, u)
    lo_w, hi_w = _origin_span(ray, hit, nl, w)
    return lo_u, hi_u, lo_w, hi_w


@jit_inline
def _axis_reach(
    ray: np.ndarray, hit: np.ndarray, nl: int, k: int, along_axis: bool,
) -> tuple[float, float]:  # pragma: no cover - inlined
    """The span (lo, hi) [mm] along axis ``k`` that the rays flagged in ``hit`` can reach going along it from
    their origins: from the lowest origin up for rays going +k, up to the highest origin for rays going -k
    (either way, unbounded on the far side). Unbounded both ways when the rays are not ``along_axis``."""
    if not along_axis:
        return -np.inf, np.inf
    first, last = _origin_span(ray, hit, nl, k)
    if ray[3 + k, 0] > 0.0:
        return first, np.inf
    return -np.inf, last


@jit_inline
def _column_misses(
    tri9: np.ndarray, j: int, u: int, w: int, lo_u: float, hi_u: float, lo_w: float, hi_w: float,
) -> bool:  # pragma: no cover - inlined
    """Whether no ray along the third axis whose origin lies in the rectangle can hit triangle ``j``: the
    rectangle misses the triangle's box across the axis, widened by what the Moller-Trumbore test's
    barycentric slack (``BARY_EPS``) admits outside the triangle (twice the slack times the edges), and as
    much again plus the slack times the coordinate for rounding. A ray along the axis meets the triangle's
    plane at its own origin's coordinates across the axis, so the test would have found no hit there
    either (the corpus's features and the one-ray tracer's answers are unchanged: ``test_packets``)."""
    return _span_misses(tri9, j, u, lo_u, hi_u) or _span_misses(tri9, j, w, lo_w, hi_w)


@jit_inline
def _span_misses(tri9: np.ndarray, j: int, c: int, lo: float, hi: float) -> bool:  # pragma: no cover - inlined
    """Whether [lo, hi] [mm] misses triangle ``j``'s span along coordinate ``c``, widened as ``_column_misses``
    says."""
    v0 = tri9[j, c]
    e1 = tri9[j, 3 + c]
    e2 = tri9[j, 6 + c]
    pad = BARY_EPS * (3.0 * (abs(e1) + abs(e2)) + abs(v0))
    return bool(min(v0, min(v0 + e1, v0 + e2)) - pad > hi or max(v0, max(v0 + e1, v0 + e2)) + pad < lo)


@jit_inline
def trace_packet(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray,
    cones: np.ndarray, ray: np.ndarray, best: np.ndarray, best_id: np.ndarray, skip: np.ndarray,
    hit: np.ndarray, t_out: np.ndarray, stack: np.ndarray, nl: int, tmin: float, cull: bool, any_hit: bool,
    axis: int,
) -> None:  # pragma: no cover - inlined
    """Trace the packet's first ``nl`` rays: each ray's ``best`` ends at its nearest hit in (tmin, best) and
    ``best_id`` at that BVH-order triangle (unchanged: no hit).

    axis : -1, or 0/1/2 when every ray of the packet goes along that coordinate axis (either way): boxes are
    then tested as the ray's column (``_enters_axis``), a third of the arithmetic, once the box meets the
    rectangle of the packet's columns, and a leaf's triangles only where a column can meet them.

    cull : accept only triangles a ray leaves the solid through (``bvh.CULL_ENTERING``), skipping nodes by
    their normal cones (k, 4) (``kernels.cones``; (0, 4): none; unused without cull); any_hit : a ray stops at its first
    accepted hit (its best becomes -1: occlusion tests read ``best_id >= 0``). Siblings are pushed nearest
    first along the packet's summed direction (an order only: the answer does not depend on it).
    """
    cull_cones = cull and cones.shape[0] > 0
    mx = 0.0
    my = 0.0
    mz = 0.0
    for r in range(nl):
        mx += ray[3, r]
        my += ray[4, r]
        mz += ray[5, r]
    cu = (axis + 1) % 3
    cw = (axis + 2) % 3
    for r in range(nl):
        hit[r] = best[r] >= 0.0
    pu_lo, pu_hi, pw_lo, pw_hi = _active_rect(ray, hit, nl, cu, cw, axis >= 0)
    ck = max(axis, 0)
    reach_lo, reach_hi = _axis_reach(ray, hit, nl, ck, axis >= 0)
    stack[0] = 0
    sp = 1
    while sp > 0:
        sp -= 1
        node = stack[sp]
        if axis >= 0:
            if (bounds[node, cu] > pu_hi or bounds[node, 3 + cu] < pu_lo or bounds[node, cw] > pw_hi
                    or bounds[node, 3 + cw] < pw_lo or bounds[node, 3 + ck] < reach_lo or bounds[node, ck] > reach_hi):
                continue
            if not _enters_axis(bounds, node, ray, best, hit, nl, axis):
                continue
        elif not _enters(bounds, cones, node, ray, best, hit, nl, cull_cones):
            continue
        a = left[node]
        if a < 0:
            lo_u, hi_u, lo_w, hi_w = _active_rect(ray, hit, nl, cu, cw, axis >= 0)
            for j in range(start[node], start[node] + count[node]):
                if axis >= 0 and _column_misses(tri9, j, cu, cw, lo_u, hi_u, lo_w, hi_w):
                    continue
                if _triangle(tri9, j, ray, best, best_id, skip, hit, t_out, nl, tmin, cull) and any_hit:
                    for r in range(nl):
                        if best_id[r] >= 0:
                            best[r] = -1.0
                            hit[r] = False
            continue
        b = a + 1  # siblings are adjacent (``bvh._topology_kernel``)
        along_a = (bounds[a, 0] + bounds[a, 3]) * mx + (bounds[a, 1] + bounds[a, 4]) * my + (bounds[a, 2] + bounds[a, 5]) * mz
        along_b = (bounds[b, 0] + bounds[b, 3]) * mx + (bounds[b, 1] + bounds[b, 4]) * my + (bounds[b, 2] + bounds[b, 5]) * mz
        near, far = (a, b) if along_a <= along_b else (b, a)
        stack[sp] = far
        stack[sp + 1] = near
        sp += 2

"""Accessibility from the six axis directions (3-axis milling setups, undercuts)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numba
import numpy as np

from geometry.kernels._common import bvh_for, frames_for
from geometry.kernels._config import jit_inline, jit_parallel, n_chunks, serial_for_small
from geometry.kernels._validate import as_triangles
from geometry.kernels.bvh import BVH
from geometry.kernels.packets import PACKET_RAYS, axis_of, lanes, load_lane, trace_packet
from geometry.kernels.supporting import CLEARANCE_SHARE, HullGraph, rise_for
from geometry.tolerances import tol

#: approach directions, in order of preference when two sets of setups tie
AXIS_NAMES = ("+Z", "-Z", "+X", "-X", "+Y", "-Y")
AXIS_VECTORS = np.array(
    [[0, 0, 1], [0, 0, -1], [1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], dtype=np.float64
)


@dataclass(frozen=True, eq=False)
class Accessibility:
    """visible : (n, 6) bool, triangle seen from outside along each of ``AXIS_NAMES`` (a tool coming from there)."""

    visible: np.ndarray
    #: the fewest approach directions that see every reachable triangle, e.g. ("+Z", "-Z")
    setups_3axis: tuple[str, ...]
    #: area seen from no axis direction: needs 4/5-axis work or is an undercut [mm2]
    unreachable_area_mm2: float
    #: area-weighted centroid of that area [mm], None when there is none
    unreachable_centroid_mm: tuple[float, float, float] | None
    #: bounding box of that area: (min xyz, max xyz) [mm], None when there is none
    unreachable_bbox_mm: tuple[tuple[float, float, float], tuple[float, float, float]] | None
    #: area seen from each direction of ``AXIS_NAMES`` [mm2]
    area_by_direction_mm2: tuple[float, ...]


@serial_for_small("triangles")
def accessibility(triangles: np.ndarray, bvh: BVH | None = None, hull: HullGraph | None = None) -> Accessibility:
    """Which triangles a tool coming along each axis direction reaches.

    triangles : (n, 3, 3) float64 [mm], outward-wound; bvh : built on the same triangles (built if None);
    hull : the edge graph of the convex hull of the triangles' vertices (``kernels.supporting``), or None.
    A triangle is seen from direction d when it faces d (walls parallel to d
    count: the side of a cutter reaches them) and the ray from just outside its
    centroid towards d leaves the part without hitting anything. With ``hull``, the
    rays of a triangle whose plane supports the mesh are known to escape and are not
    traced (the same answer).
    """
    tri = as_triangles(triangles)
    tree = bvh_for(tri, bvh)
    fr = frames_for(tri, tree)
    cen, nrm, area = fr.centroid_mm, fr.normal, fr.area_mm2
    offset = tol.access_offset_rel * tree.diagonal_mm
    rise = np.empty(0) if hull is None else rise_for(hull, fr, tree.order)
    visible = _visible_kernel(
        tree.bounds, tree.left, tree.start, tree.count, tree.tri9,
        cen, nrm, tree.order, AXIS_VECTORS, tol.facing_cos,
        offset, rise, CLEARANCE_SHARE * offset, n_chunks(len(tri)),
    )
    setups = minimal_setups(visible, area)
    unreachable = ~visible.any(axis=1) & (area > 0)
    un_area = float(area[unreachable].sum())
    centroid = bbox = None
    if un_area > 0:
        c = (cen[unreachable] * area[unreachable, None]).sum(axis=0) / un_area
        centroid = (float(c[0]), float(c[1]), float(c[2]))
        pts = tri[unreachable].reshape(-1, 3)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        bbox = (tuple(float(x) for x in lo), tuple(float(x) for x in hi))
    by_dir = tuple(float(area[visible[:, k]].sum()) for k in range(len(AXIS_NAMES)))
    return Accessibility(visible, setups, un_area, centroid, bbox, by_dir)  # type: ignore[arg-type]


def minimal_setups(visible: np.ndarray, area: np.ndarray) -> tuple[str, ...]:
    """The smallest set of directions covering every triangle seen from at least one (ties: preference order)."""
    # one byte a triangle (``AXIS_NAMES``: six directions), bit a set when direction a sees it
    bits = np.packbits(visible, axis=1, bitorder="little")[:, 0]
    masks = np.flatnonzero(np.bincount(bits[(bits != 0) & (area > 0)], minlength=1))  # the masks present
    if len(masks) == 0:
        return ()
    for size in range(1, visible.shape[1] + 1):
        for combo in itertools.combinations(range(visible.shape[1]), size):
            chosen = sum(1 << k for k in combo)
            if np.all(masks & chosen):
                return tuple(AXIS_NAMES[k] for k in combo)
    raise AssertionError("unreachable: all directions together cover every reachable triangle")


@jit_parallel
def _visible_kernel(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, cen: np.ndarray,
    nrm: np.ndarray, order: np.ndarray, axes: np.ndarray, facing_cos: float, offset: float, rise: np.ndarray,
    clear_rise: float, nchunk: int,
) -> np.ndarray:
    """(n, k) bool: triangle i faces axis k and the ray from its centroid (offset along its normal) escapes.

    Per axis, the rays of the triangles facing it go in packets of neighbours in BVH order
    (``kernels.packets``); order : (n,) int64, the original triangle of each BVH position. rise : (n,)
    float64 [mm] (``supporting.plane_rise``) or empty: a ray along an axis the normal does not point
    against, of a triangle the mesh rises at most ``clear_rise`` above, escapes untraced.
    """
    n = cen.shape[0]
    cull = rise.shape[0] == n
    k = axes.shape[0]
    out = np.zeros((n, k), dtype=np.bool_)
    no_cones = np.empty((0, 4))
    for c in numba.prange(nchunk):
        ray, best, best_id, skip, hit, t_out, stack = lanes()
        owner = np.empty(PACKET_RAYS, dtype=np.int64)
        for a in range(k):
            nl = 0
            for p in range(c * n // nchunk, (c + 1) * n // nchunk):
                i = order[p]
                if nrm[i, 0] == 0.0 and nrm[i, 1] == 0.0 and nrm[i, 2] == 0.0:
                    continue
                dot = nrm[i, 0] * axes[a, 0] + nrm[i, 1] * axes[a, 1] + nrm[i, 2] * axes[a, 2]
                if dot < -facing_cos:
                    continue
                if cull and dot >= 0.0 and rise[i] <= clear_rise:
                    out[i, a] = True
                    continue
                load_lane(ray, best, best_id, skip, nl, cen[i, 0] + offset * nrm[i, 0], cen[i, 1] + offset * nrm[i, 1],
                          cen[i, 2] + offset * nrm[i, 2], axes[a, 0], axes[a, 1], axes[a, 2], np.inf, p)
                owner[nl] = i
                nl += 1
                if nl == PACKET_RAYS:
                    _escapes(bounds, left, start, count, tri9, no_cones, ray, best, best_id, skip, hit, t_out, stack,
                             nl, owner, out, a)
                    nl = 0
            if nl > 0:
                _escapes(bounds, left, start, count, tri9, no_cones, ray, best, best_id, skip, hit, t_out, stack,
                         nl, owner, out, a)
    return out


@jit_inline
def _escapes(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, cones: np.ndarray,
    ray: np.ndarray, best: np.ndarray, best_id: np.ndarray, skip: np.ndarray, hit: np.ndarray, t_out: np.ndarray,
    stack: np.ndarray, nl: int, owner: np.ndarray, out: np.ndarray, a: int,
) -> None:  # pragma: no cover - inlined
    """Trace a packet of occlusion rays along axis ``a``; ``out[owner[r], a]``: ray r hit nothing."""
    trace_packet(bounds, left, start, count, tri9, cones, ray, best, best_id, skip, hit, t_out, stack,
                 nl, 0.0, False, True, axis_of(ray[3, 0], ray[4, 0], ray[5, 0]))
    for r in range(nl):
        out[owner[r], a] = best_id[r] < 0

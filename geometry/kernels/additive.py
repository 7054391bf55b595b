"""Additive build orientation: overhang area, a support-volume estimate, the areas facing up and down
(a slicer's top and bottom skins) and the walls' straight runs per candidate direction."""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from geometry.features import Additive
from geometry.kernels._common import bvh_for, centroid_normal_area_kernel, frames_for
from geometry.kernels._config import jit_inline, jit_parallel, jit_parallel_ordered, n_chunks, serial_for_small
from geometry.kernels._validate import as_directions, as_triangles
from geometry.kernels.access import AXIS_VECTORS
from geometry.kernels.bvh import BVH
from geometry.kernels.packets import PACKET_RAYS, axis_of, lanes, load_lane, trace_packet
from geometry.kernels.supporting import CLEARANCE_SHARE, HullGraph, rise_for
from geometry.tolerances import tol

#: a downward face steeper than this from the vertical needs support [deg]
OVERHANG_DEG = 45.0
#: a face whose normal is within this of the build direction (up) or of its opposite (down) is a top or
#: bottom surface, filled by a slicer as solid skin [deg]. Why 45: a slicer fills the band of
#: ``top layers x layer height`` under a top surface (5 x 0.2 = 1 mm) with solid infill, less what its
#: perimeters already cover (2 x 0.45 = 0.9 mm in from the contour). Under a slope s from horizontal that band
#: reaches 1 mm / tan(s) in from the contour, past the perimeters only while tan(s) < 1 / 0.9 (s < 48 deg);
#: steeper faces are printed by the perimeters alone (walls). 45 deg also matches ``OVERHANG_DEG``.
SKIN_DEG = 45.0


@dataclass(frozen=True)
class FacingAreas:
    """How a slicer's layers meet the surface along one build direction (``facing_areas``)."""

    #: area of the faces whose normal is within ``SKIN_DEG`` of the build direction, projected on the plate [mm2]
    up_area_mm2: float
    #: the same for the faces within ``SKIN_DEG`` of its opposite (the plate's face included) [mm2]
    down_area_mm2: float
    #: the walls (the other faces), area-weighted mean of each face's extent across the build direction: the
    #: straight run of perimeter it gives each layer it cuts (a flat side its width, a facet of a round hole a
    #: chord) [mm]; 0 without walls
    wall_run_mm: float


@dataclass(frozen=True)
class AdditiveOrientations:
    candidates: tuple[Additive, ...]
    #: least support volume; ties (to ``tol.support_tie_digits`` digits, relative): lower build height
    best: Additive
    #: (n, k) bool: triangle i overhangs (needs support) when built along candidate k (empty when not kept)
    overhang: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.bool_), compare=False, repr=False)

    @property
    def best_overhang(self) -> np.ndarray:
        """(n,) bool: the triangles that need support in the ``best`` orientation."""
        return self.overhang[:, self.candidates.index(self.best)]


@serial_for_small("triangles")
def additive_orientation(
    triangles: np.ndarray,
    bvh: BVH | None = None,
    directions: np.ndarray | None = None,
    overhang_deg: float = OVERHANG_DEG,
    hull: HullGraph | None = None,
) -> AdditiveOrientations:
    """Overhang, support and the skin areas (``facing_areas``) for each candidate build direction.

    triangles : (n, 3, 3) float64 [mm], outward-wound; bvh : built on the same triangles (built if None);
    directions : (k, 3) build directions (default: the six axis directions); hull : the edge graph of
    the convex hull of the triangles' vertices (``kernels.supporting``), or None.
    Support under an overhanging face drops along -up from its centroid to the
    first surface below (the part or the plate). With ``hull``, the drop of a face
    whose plane supports the mesh is known to reach the plate and is not traced.
    """
    tri = as_triangles(triangles)
    dirs = as_directions(AXIS_VECTORS if directions is None else directions)
    tree = bvh_for(tri, bvh)
    fr = frames_for(tri, tree)
    cen, nrm, area = fr.centroid_mm, fr.normal, fr.area_mm2
    diag = tree.diagonal_mm
    cos_limit = float(np.cos(np.radians(overhang_deg)))
    rise = np.empty(0) if hull is None else rise_for(hull, fr, tree.order)
    over, support, height, overhang = _support_kernel(
        tree.bounds, tree.left, tree.start, tree.count, tree.tri9,
        tri, cen, nrm, area, tree.order, dirs, cos_limit, tol.plate_rel * diag,
        tol.ray_start_rel * diag, rise, n_chunks(len(tri)),
    )
    facing = _facing_kernel(tri, nrm, area, dirs, _skin_cos(), n_chunks(len(tri)))
    candidates = tuple(
        Additive(
            orientation=(float(d[0]), float(d[1]), float(d[2])),
            build_height_mm=float(h),
            overhang_area_mm2=float(o),
            support_volume_mm3=float(s),
            up_area_mm2=f.up_area_mm2,
            down_area_mm2=f.down_area_mm2,
            wall_run_mm=f.wall_run_mm,
        )
        for d, o, s, h, f in zip(dirs, over, support, height, map(_facing, facing), strict=True)
    )
    scale = max(max(c.support_volume_mm3 for c in candidates), tol.tiny)
    best = min(candidates, key=lambda c: (round(c.support_volume_mm3 / scale, tol.support_tie_digits), c.build_height_mm))
    return AdditiveOrientations(candidates, best, overhang)


def _skin_cos() -> float:
    return float(np.cos(np.radians(SKIN_DEG)))


def _facing(sums: np.ndarray) -> FacingAreas:
    """From one direction's (4,) of ``_facing_kernel``: up area, down area, wall area, wall area x run."""
    run = float(sums[3] / sums[2]) if sums[2] > 0 else 0.0
    return FacingAreas(float(sums[0]), float(sums[1]), run)


@serial_for_small("triangles")
def facing_areas(triangles: np.ndarray, direction: np.ndarray | tuple[float, float, float]) -> FacingAreas:
    """The areas facing up and down, and the walls' straight runs, when built along ``direction``.

    triangles : (n, 3, 3) float64 [mm], outward-wound; direction : (3,) build direction (normalised here).
    Up (down): the faces whose normal is within ``SKIN_DEG`` of ``direction`` (of its opposite), their area
    projected on the plate (area x |n . direction|): a slicer's top (bottom) skins. The same sums
    ``additive_orientation`` gives each candidate (``Additive.up_area_mm2``, ``down_area_mm2``, ``wall_run_mm``).
    """
    tri = as_triangles(triangles)
    up = as_directions(np.reshape(np.asarray(direction, dtype=np.float64), (1, 3)))[0]
    _, nrm, area = centroid_normal_area_kernel(tri)
    return _facing(_facing_kernel(tri, nrm, area, up.reshape(1, 3), _skin_cos(), n_chunks(len(tri)))[0])


@jit_parallel
def _support_kernel(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, tri: np.ndarray,
    cen: np.ndarray, nrm: np.ndarray, area: np.ndarray, order: np.ndarray, dirs: np.ndarray, cos_limit: float,
    plate_tol: float, tmin: float, rise: np.ndarray, nchunk: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per direction (k,): overhang area [mm2], support volume [mm3], build height [mm]; and (n, k) bool:
    which triangles overhang along each direction. order : (n,) int64, the original triangle of each BVH
    position (the drops go in packets, ``_drops``); rise : (n,) [mm] or empty (``_drops``)."""
    n = cen.shape[0]
    k = dirs.shape[0]
    overhang = np.zeros((n, k), dtype=np.bool_)
    over = np.zeros((k, nchunk))
    support = np.zeros((k, nchunk))
    lo_h = np.zeros((k, nchunk))
    hi_h = np.zeros((k, nchunk))
    for c in numba.prange(nchunk):  # one pass over the triangles for every direction
        lo = np.full(k, np.inf)
        hi = np.full(k, -np.inf)
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            for j in range(3):
                x, y, z = tri[i, j, 0], tri[i, j, 1], tri[i, j, 2]
                for a in range(k):
                    h = x * dirs[a, 0] + y * dirs[a, 1] + z * dirs[a, 2]
                    lo[a] = min(lo[a], h)
                    hi[a] = max(hi[a], h)
        lo_h[:, c] = lo
        hi_h[:, c] = hi
    plate = np.empty(k)
    for a in range(k):
        plate[a] = lo_h[a].min()
    drop = np.empty(n)
    for a in range(k):
        _drops(bounds, left, start, count, tri9, tri, cen, nrm, area, order, dirs[a], cos_limit, plate[a], plate_tol,
               tmin, rise, nchunk, overhang[:, a], drop)
        _sums(nrm, area, dirs[a], overhang[:, a], drop, nchunk, over[a], support[a])
    height = np.empty(k)
    for a in range(k):
        height[a] = hi_h[a].max() - plate[a]
    return over.sum(axis=1), support.sum(axis=1), height, overhang


@jit_parallel_ordered
def _sums(nrm: np.ndarray, area: np.ndarray, up: np.ndarray, overhang: np.ndarray, drop: np.ndarray, nchunk: int,
          over: np.ndarray, support: np.ndarray) -> None:
    """Per chunk of triangles (original order, one after another): the overhang area [mm2] (into ``over``
    (nchunk,)) and support volume [mm3] (into ``support``): area x cos x drop of each overhanging triangle.
    Compiled without reassociation, so the sums add in the order written, as the one-ray kernel added them."""
    n = nrm.shape[0]
    for c in numba.prange(nchunk):
        o_sum = 0.0
        s_sum = 0.0
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            if not overhang[i]:
                continue
            dot = nrm[i, 0] * up[0] + nrm[i, 1] * up[1] + nrm[i, 2] * up[2]
            o_sum += area[i]
            s_sum += area[i] * (-dot) * drop[i]
        over[c] = o_sum
        support[c] = s_sum


@jit_parallel_ordered
def _facing_kernel(tri: np.ndarray, nrm: np.ndarray, area: np.ndarray, dirs: np.ndarray, skin_cos: float,
                   nchunk: int) -> np.ndarray:
    """(k, 4) per direction of ``dirs`` (k, 3), unit: the projected areas facing up and down [mm2] (area x |cos|
    of each triangle whose normal's cosine with the direction is over ``skin_cos``, or under -``skin_cos``), the
    other (wall) triangles' area [mm2] and their area x run [mm3], the run being the triangle's longest edge
    measured across the direction. One pass over the triangles for every direction, each triangle's edges worked
    out once; per chunk the sums add in their written order, then the chunks in order."""
    n = nrm.shape[0]
    k = dirs.shape[0]
    parts = np.zeros((nchunk, k, 4))
    for c in numba.prange(nchunk):
        acc = np.zeros((k, 4))
        edge = np.empty((3, 3))
        length2 = np.empty(3)
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            for j in range(3):
                for x in range(3):
                    edge[j, x] = tri[i, (j + 1) % 3, x] - tri[i, j, x]
                length2[j] = edge[j, 0] * edge[j, 0] + edge[j, 1] * edge[j, 1] + edge[j, 2] * edge[j, 2]
            for a in range(k):
                dot = nrm[i, 0] * dirs[a, 0] + nrm[i, 1] * dirs[a, 1] + nrm[i, 2] * dirs[a, 2]
                if dot > skin_cos:
                    acc[a, 0] += area[i] * dot
                elif dot < -skin_cos:
                    acc[a, 1] -= area[i] * dot
                else:
                    across = 0.0
                    for j in range(3):
                        along = edge[j, 0] * dirs[a, 0] + edge[j, 1] * dirs[a, 1] + edge[j, 2] * dirs[a, 2]
                        across = max(across, length2[j] - along * along)
                    acc[a, 2] += area[i]
                    acc[a, 3] += area[i] * np.sqrt(across)
        parts[c] = acc
    out = np.zeros((k, 4))
    for c in range(nchunk):
        out += parts[c]
    return out


@jit_parallel
def _drops(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, tri: np.ndarray,
    cen: np.ndarray, nrm: np.ndarray, area: np.ndarray, order: np.ndarray, up: np.ndarray, cos_limit: float,
    plate: float, plate_tol: float, tmin: float, rise: np.ndarray, nchunk: int, overhang: np.ndarray,
    drop: np.ndarray,
) -> None:
    """For build direction ``up`` (3,): which triangles overhang (into ``overhang`` (n,) bool) and, for those,
    the drop [mm] from the centroid along -up to the part or the plate (into ``drop`` (n,) float64).
    The rays go in packets of neighbours in BVH order (``kernels.packets``). rise : (n,) float64 [mm]
    (``supporting.plane_rise``) or empty: the drop of a triangle the mesh rises at most ``CLEARANCE_SHARE``
    of the ray's clearance (tmin x its normal's cosine with -up) above reaches the plate untraced."""
    n = cen.shape[0]
    cull = rise.shape[0] == n
    ux = up[0]
    uy = up[1]
    uz = up[2]
    no_cones = np.empty((0, 4))
    for c in numba.prange(nchunk):
        ray, best, best_id, skip, hit, t_out, stack = lanes()
        owner = np.empty(PACKET_RAYS, dtype=np.int64)
        nl = 0
        for p in range(c * n // nchunk, (c + 1) * n // nchunk):
            i = order[p]
            overhang[i] = False
            dot = nrm[i, 0] * ux + nrm[i, 1] * uy + nrm[i, 2] * uz
            if dot >= -cos_limit or area[i] == 0.0:
                continue
            low = np.inf
            for j in range(3):
                low = min(low, tri[i, j, 0] * ux + tri[i, j, 1] * uy + tri[i, j, 2] * uz)
            if low - plate <= plate_tol:
                continue
            overhang[i] = True
            if cull and rise[i] <= CLEARANCE_SHARE * tmin * -dot:
                drop[i] = cen[i, 0] * ux + cen[i, 1] * uy + cen[i, 2] * uz - plate
                continue
            load_lane(ray, best, best_id, skip, nl, cen[i, 0], cen[i, 1], cen[i, 2], -ux, -uy, -uz, np.inf, p)
            owner[nl] = i
            nl += 1
            if nl == PACKET_RAYS:
                _land(bounds, left, start, count, tri9, no_cones, ray, best, best_id, skip, hit, t_out, stack, nl,
                      tmin, owner, cen, up, plate, drop)
                nl = 0
        if nl > 0:
            _land(bounds, left, start, count, tri9, no_cones, ray, best, best_id, skip, hit, t_out, stack, nl,
                  tmin, owner, cen, up, plate, drop)


@jit_inline
def _land(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, cones: np.ndarray,
    ray: np.ndarray, best: np.ndarray, best_id: np.ndarray, skip: np.ndarray, hit: np.ndarray, t_out: np.ndarray,
    stack: np.ndarray, nl: int, tmin: float, owner: np.ndarray, cen: np.ndarray, up: np.ndarray, plate: float,
    drop: np.ndarray,
) -> None:  # pragma: no cover - inlined
    """Trace a packet of support rays; ``drop[owner[r]]``: to the first surface below, else to the plate [mm]."""
    trace_packet(bounds, left, start, count, tri9, cones, ray, best, best_id, skip, hit, t_out, stack,
                 nl, tmin, False, False, axis_of(up[0], up[1], up[2]))
    for r in range(nl):
        i = owner[r]
        if best_id[r] >= 0:
            drop[i] = best[r]
        else:
            drop[i] = cen[i, 0] * up[0] + cen[i, 1] * up[1] + cen[i, 2] * up[2] - plate

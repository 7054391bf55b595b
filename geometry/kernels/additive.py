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
    over, support, height, overhang, facing = _support_kernel(
        tree.bounds, tree.left, tree.start, tree.count, tree.tri9,
        tri, cen, nrm, area, tree.order, dirs, np.array([cos_limit, _skin_cos()]), tol.plate_rel * diag,
        tol.ray_start_rel * diag, rise, n_chunks(len(tri)),
    )
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
    """From the chunk-summed (4,) of ``_sums``: up area, down area, wall area, wall area x run."""
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
    nchunk = n_chunks(len(tri))
    over, support, facing = np.zeros(nchunk), np.zeros(nchunk), np.zeros((4, nchunk))
    _sums(tri, nrm, area, up, np.zeros(len(tri), dtype=np.bool_), np.zeros(len(tri)), _skin_cos(), nchunk,
          over, support, facing)
    return _facing(facing.sum(axis=1))


@jit_parallel
def _support_kernel(
    bounds: np.ndarray, left: np.ndarray, start: np.ndarray, count: np.ndarray, tri9: np.ndarray, tri: np.ndarray,
    cen: np.ndarray, nrm: np.ndarray, area: np.ndarray, order: np.ndarray, dirs: np.ndarray, cos_limits: np.ndarray,
    plate_tol: float, tmin: float, rise: np.ndarray, nchunk: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per direction (k,): overhang area [mm2], support volume [mm3], build height [mm]; (n, k) bool:
    which triangles overhang along each direction; (k, 4): the sums of ``_sums``'s ``facing`` per direction.
    order : (n,) int64, the original triangle of each BVH position (the drops go in packets, ``_drops``);
    cos_limits : (2,), the cosines of the overhang and the skin angles; rise : (n,) [mm] or empty (``_drops``)."""
    n = cen.shape[0]
    k = dirs.shape[0]
    overhang = np.zeros((n, k), dtype=np.bool_)
    over = np.zeros((k, nchunk))
    support = np.zeros((k, nchunk))
    facing = np.zeros((k, 4, nchunk))
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
        _drops(bounds, left, start, count, tri9, tri, cen, nrm, area, order, dirs[a], cos_limits[0], plate[a],
               plate_tol, tmin, rise, nchunk, overhang[:, a], drop)
        _sums(tri, nrm, area, dirs[a], overhang[:, a], drop, cos_limits[1], nchunk, over[a], support[a], facing[a])
    height = np.empty(k)
    for a in range(k):
        height[a] = hi_h[a].max() - plate[a]
    return over.sum(axis=1), support.sum(axis=1), height, overhang, facing.sum(axis=2)


@jit_parallel_ordered
def _sums(tri: np.ndarray, nrm: np.ndarray, area: np.ndarray, up: np.ndarray, overhang: np.ndarray, drop: np.ndarray,
          skin_cos: float, nchunk: int, over: np.ndarray, support: np.ndarray, facing: np.ndarray) -> None:
    """Per chunk of triangles (original order, one after another): the overhang area [mm2] (into ``over``
    (nchunk,)) and support volume [mm3] (into ``support``): area x cos x drop of each overhanging triangle;
    into ``facing`` (4, nchunk): the projected areas facing up and down, area x |cos| of each triangle whose
    normal's cosine with ``up`` is over ``skin_cos`` (up) or under -``skin_cos`` (down) [mm2]; the other
    (wall) triangles' area [mm2] and area x run [mm3], the run being the triangle's longest edge across ``up``.
    Compiled without reassociation, so the sums add in the order written, as the one-ray kernel added them."""
    n = nrm.shape[0]
    for c in numba.prange(nchunk):
        o_sum = 0.0
        s_sum = 0.0
        up_sum = 0.0
        down_sum = 0.0
        wall_sum = 0.0
        run_sum = 0.0
        for i in range(c * n // nchunk, (c + 1) * n // nchunk):
            dot = nrm[i, 0] * up[0] + nrm[i, 1] * up[1] + nrm[i, 2] * up[2]
            if dot > skin_cos:
                up_sum += area[i] * dot
            elif dot < -skin_cos:
                down_sum -= area[i] * dot
            else:
                wall_sum += area[i]
                run_sum += area[i] * _run(tri, i, up)
            if not overhang[i]:
                continue
            o_sum += area[i]
            s_sum += area[i] * (-dot) * drop[i]
        over[c] = o_sum
        support[c] = s_sum
        facing[0, c] = up_sum
        facing[1, c] = down_sum
        facing[2, c] = wall_sum
        facing[3, c] = run_sum


@jit_inline
def _run(tri: np.ndarray, i: int, up: np.ndarray) -> float:  # pragma: no cover - inlined
    """Triangle ``i``'s longest edge measured across ``up`` (unit) [mm]."""
    longest = 0.0
    for j in range(3):
        k = (j + 1) % 3
        ex = tri[i, k, 0] - tri[i, j, 0]
        ey = tri[i, k, 1] - tri[i, j, 1]
        ez = tri[i, k, 2] - tri[i, j, 2]
        along = ex * up[0] + ey * up[1] + ez * up[2]
        longest = max(longest, ex * ex + ey * ey + ez * ez - along * along)
    return float(np.sqrt(longest))


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

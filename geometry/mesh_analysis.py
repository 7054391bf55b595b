"""Features measured on the triangle mesh of a part (any format).

``mesh_features`` returns ``PartFeatures`` field values; ``geometry.extract``
merges them with the exact B-rep values where a STEP file gives those. The
measuring is done by the Numba kernels of ``geometry.kernels``; this module
decides what can be trusted: volume, wall thickness, accessibility and
build orientation need a closed, consistently wound mesh, and a mesh wound
inside-out is turned the right way first.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from geometry.errors import GeometryError
from geometry.face_findings import FACE_FIELDS, FaceIds, face_fields, thin_triangles
from geometry.features import MeshInfo


def mesh_features(vertices_mm: np.ndarray, faces: np.ndarray, from_brep: bool = False,
                  face_ids: FaceIds | None = None) -> dict[str, Any]:
    """PartFeatures fields measurable on a mesh, plus ``unmeasured`` (field -> reason).

    vertices_mm : (n, 3) float64 [mm], merged; faces : (m, 3) int64. With ``face_ids`` (each
    triangle's face id, asked for only when needed), the faces the ray findings concern too
    (``geometry.face_findings``).
    On a big mesh the convex hull is built on a second thread while the ray kernels run
    (Qhull releases the GIL; a big convex mesh is its own hull, ``kernels.convex``), and the
    oriented box after it on that thread too when Numba's threading layer lets two threads
    launch parallel kernels at once (``_concurrent_kernels``). The ray kernels that start
    once the hull is there skip the rays it shows to escape (``kernels.supporting``).
    """
    from geometry.kernels._config import PARALLEL_MIN_ITEMS

    vertices = np.ascontiguousarray(vertices_mm, dtype=np.float64)
    faces = np.ascontiguousarray(faces, dtype=np.int64)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="microfab-hull") as pool:
        if len(vertices) < PARALLEL_MIN_ITEMS:  # all on this thread, the hull first
            hull: Future[tuple[Any, Any]] = Future()
            try:
                hull.set_result(_hull_and_graph(vertices, faces))
            except GeometryError as err:
                hull.set_exception(err)
            boxed: Callable[[], Any] = functools.partial(_box_after, vertices, hull.result)
        else:
            hull = pool.submit(_hull_and_graph, vertices, faces)
            boxed = functools.partial(_box_after, vertices, hull.result)
            if _concurrent_kernels():  # the box's parallel kernels on the hull's thread too
                boxed = pool.submit(boxed).result
        out = _solid_fields(vertices, faces, from_brep, face_ids, functools.partial(_graph_if_ready, hull))
        hull_out, hull_unmeasured = _hull_fields(boxed)
    out.update(hull_out)
    out["unmeasured"] = {**hull_unmeasured, **out["unmeasured"]}
    return out


def _solid_fields(vertices: np.ndarray, faces: np.ndarray, from_brep: bool, face_ids: FaceIds | None = None,
                  hull_graph: Callable[[], Any] = lambda: None) -> dict[str, Any]:
    """Every field but the convex hull's and the oriented box's, plus ``unmeasured``. ``hull_graph()``: the
    hull's ``kernels.supporting.HullGraph`` when it is ready (the ray kernels then skip rays), else None."""
    from geometry import kernels as k
    from geometry.kernels._common import gather_triangles
    from geometry.kernels._config import PARALLEL_MIN_ITEMS
    from geometry.kernels.shells import mesh_shells

    health = k.mesh_health(vertices, faces)
    triangles = gather_triangles(vertices, faces)
    bbox = tuple(float(x) for x in (vertices.max(axis=0) - vertices.min(axis=0)))
    mass = k.mass_properties(triangles)
    out: dict[str, Any] = {
        "bbox_mm": bbox,
        "area_mm2": mass.area_mm2,
        "mesh": MeshInfo(from_brep=from_brep, **dataclasses.asdict(health)),
    }
    unmeasured: dict[str, str] = {}
    out["unmeasured"] = unmeasured

    closed_reason = _not_closed_reason(health)
    if closed_reason is None and mass.volume_mm3 == 0.0:
        closed_reason = "the closed mesh encloses no volume: export the part as a solid"
    if closed_reason is not None:
        for name in ("volume_mm3", "centroid_mm", *_RAY_FIELDS, *(FACE_FIELDS if face_ids else ())):
            unmeasured[name] = closed_reason
        return out
    volume = abs(mass.volume_mm3)
    if health.bodies > 1:  # shells nested in others are closed inner cavities (voids), however they are wound
        shells = mesh_shells(vertices, faces)
        out["mesh"] = dataclasses.replace(out["mesh"], voids=shells.voids, void_volume_mm3=shells.void_volume_mm3,
                                          void_centre_mm=shells.void_centre_mm)
        volume = shells.solid_volume_mm3 if shells.voids else volume
    if mass.volume_mm3 < 0:  # inside-out: every triangle wound the other way
        triangles = np.ascontiguousarray(triangles[:, ::-1])
    out["volume_mm3"] = volume
    out["centroid_mm"] = mass.centroid_mm

    bvh = k.build_bvh(triangles)
    wall = k.wall_thickness(triangles, bvh)
    if wall.min_mm is None:
        for name in _THICKNESS_FIELDS:
            unmeasured[name] = "no opposite wall found from any face"
    else:
        out["min_wall_thickness_mm"] = wall.min_mm
        out["wall_thickness_p05_mm"] = wall.p05_mm
        out["wall_thickness_p50_mm"] = wall.p50_mm
        out["thin_wall_area_mm2"] = wall.thin_area_mm2
        out["thin_wall_threshold_mm"] = wall.threshold_mm

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="microfab-faces") as pool:
        early = face_ids is not None and len(faces) >= PARALLEL_MIN_ITEMS and _concurrent_kernels()
        labelled = _label_early(pool, face_ids, thin_triangles(wall.area_mm2, wall.per_triangle_mm), early)
        orientations = k.additive_orientation(triangles, bvh, hull=hull_graph())
        out["additive"] = orientations.best
        if labelled is None:
            labelled = _label_early(pool, face_ids, (wall.area_mm2 > 0) & orientations.best_overhang, early)
        face_ids = labelled or face_ids
        access = k.accessibility(triangles, bvh, hull=hull_graph())
        out["setups_3axis"] = list(access.setups_3axis)
        out["unreachable_area_mm2"] = access.unreachable_area_mm2
        if access.unreachable_centroid_mm is not None:
            out["unreachable_centroid_mm"] = access.unreachable_centroid_mm
        if face_ids is not None:
            unreachable = np.logical_not(access.visible.any(axis=1))
            named, why = face_fields(face_ids, area_mm2=wall.area_mm2, thickness_mm=wall.per_triangle_mm,
                                     unreachable=unreachable, overhang=orientations.best_overhang)
            out.update(named)
            unmeasured.update(why)
    return out


def _label_early(pool: ThreadPoolExecutor, face_ids: FaceIds | None, flagged: np.ndarray,
                 early: bool) -> FaceIds | None:
    """``face_ids`` started on ``pool`` (its result's getter) when ``early`` and ``flagged`` (thin triangles
    after the thickness rays, then overhanging ones after the support rays) marks a triangle: ``face_fields``
    will need them whatever the later rays find, so they are worked out beside those rays. Else None."""
    if not early or face_ids is None or not flagged.any():
        return None
    return pool.submit(face_ids).result


_THICKNESS_FIELDS = (
    "min_wall_thickness_mm",
    "wall_thickness_p05_mm",
    "wall_thickness_p50_mm",
    "thin_wall_area_mm2",
    "thin_wall_threshold_mm",
)
_RAY_FIELDS = (*_THICKNESS_FIELDS, "setups_3axis", "unreachable_area_mm2", "additive")


def _not_closed_reason(health: Any) -> str | None:
    """Why the mesh cannot be measured as a solid, or None when it is closed and consistently wound.

    Non-manifold edges used as often in each direction (two bodies touching along an edge) leave
    the volume well defined: such a mesh is measured (``MeshInfo.closed``) and printed with a warning.
    """
    if health.watertight or health.closed:
        return None
    parts = []
    if health.open_edges:
        parts.append(f"{health.open_edges} open edges")
    if health.nonmanifold_edges:
        parts.append(f"{health.nonmanifold_edges} edges shared by more than two faces")
    if health.inconsistent_edges:
        parts.append(f"{health.inconsistent_edges} edges between faces wound in opposite directions")
    return f"mesh is not closed ({', '.join(parts)}): export a closed solid, or ask for a manual quote"


def _hull_and_graph(vertices: np.ndarray, faces: np.ndarray) -> tuple[Any, Any]:
    """The convex hull of the mesh and its edge graph (``kernels.supporting.hull_graph``, None if refused)."""
    from geometry import kernels as k
    from geometry.kernels.supporting import hull_graph

    convex = k.mesh_convex_hull(vertices, faces)
    return convex, hull_graph(convex)


def _graph_if_ready(hull: Future[tuple[Any, Any]]) -> Any:
    """The hull's edge graph when ``hull`` has finished without an error, else None (rays are traced)."""
    if not hull.done() or hull.exception() is not None:
        return None
    return hull.result()[1]


def _box_after(vertices: np.ndarray, hull: Callable[[], tuple[Any, Any]]) -> tuple[Any, Any]:
    """``hull()``'s convex hull and the oriented box computed from it on the calling thread."""
    from geometry import kernels as k

    convex, _ = hull()
    return convex, k.oriented_bounding_box(vertices, convex)


def _concurrent_kernels() -> bool:
    """Whether two threads may launch Numba parallel kernels at once: Numba's TBB layer allows it, its
    workqueue layer does not (and OpenMP's pool is kept to one launching thread here, to be safe)."""
    import numba

    try:
        return bool(numba.threading_layer() == "tbb")
    except ValueError:  # no parallel kernel has run yet: the layer Numba will pick
        config: Any = numba.config
        layer = str(config.THREADING_LAYER)
        if layer not in ("default", "tbb", "safe"):
            return False
        try:
            importlib.import_module("numba.np.ufunc.tbbpool")
        except ImportError:
            return False
        return True


def _hull_fields(boxed: Callable[[], tuple[Any, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Convex-hull volume and oriented-box extents (fields, unmeasured): ``boxed()`` gives the hull and box."""
    try:
        convex, box = boxed()
    except GeometryError as err:
        return {}, {"convex_hull_volume_mm3": err.message, "obb_mm": err.message}
    return {"convex_hull_volume_mm3": convex.volume_mm3, "obb_mm": box.extents_mm}, {}

"""Compile (or load from cache) every kernel ahead of the first request."""

from __future__ import annotations

import numpy as np

from geometry.kernels._config import use_fork_safe_threads

__all__ = ["use_fork_safe_threads", "warm_up"]


def warm_up() -> None:
    """Run every kernel once on a tiny closed mesh (a tetrahedron), on writable and on read-only arrays.

    Numba compiles a separate version of a kernel for read-only input (e.g. ``Trimesh.triangles``,
    arrays over ``bytes``): warming both means no input a wrapper passes through uncopied makes a
    request pay compilation.
    """
    from geometry.kernels._common import gather_triangles, least_by_group
    from geometry.kernels._config import prune_stale_caches
    from geometry.kernels.access import accessibility
    from geometry.kernels.additive import additive_orientation
    from geometry.kernels.bvh import build_bvh, raycast
    from geometry.kernels.convex import warm as warm_convex
    from geometry.kernels.health import mesh_health
    from geometry.kernels.hull import convex_hull_volume
    from geometry.kernels.mass import mass_properties
    from geometry.kernels.obb import _sample, oriented_bounding_box
    from geometry.kernels.rectangle import min_area_rectangle
    from geometry.kernels.regions import crease_regions
    from geometry.kernels.shells import mesh_shells
    from geometry.kernels.supporting import hull_graph
    from geometry.kernels.thickness import wall_thickness
    from geometry.kernels.weld import weld_keys, weld_points
    from geometry.tolerances import tol

    prune_stale_caches()  # what earlier kernel sources compiled is never loaded again
    for writeable in (True, False):
        vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
        faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], dtype=np.int64)
        tri = vertices[faces]
        tri32 = tri.astype(np.float32)
        origins = np.array([[0.2, 0.2, 5.0]])
        directions = np.array([[0.0, 0.0, -1.0]])
        for arr in (vertices, faces, tri, tri32, origins, directions):
            arr.flags.writeable = writeable
        weld_keys(faces.reshape(-1, 3))
        weld_points(vertices, tol.merge_mm)
        weld_points(tri32.reshape(-1, 3), tol.merge_mm)  # a binary STL's corners
        warm_convex(vertices, faces)
        mass_properties(tri)
        mass_properties(tri32)
        mesh_health(vertices, faces)
        mesh_shells(vertices, faces)
        crease_regions(vertices, faces, 30.0)
        oriented_bounding_box(vertices)
        _sample(vertices)  # the subsampling of big point sets (over HULL_SAMPLE_POINTS) in the box search
        min_area_rectangle(vertices[:, :2])
        bvh = build_bvh(tri)
        raycast(bvh, origins, directions)
        wall_thickness(tri, bvh)
        accessibility(tri, bvh)
        additive_orientation(tri, bvh)
        graph = hull_graph(convex_hull_volume(vertices))  # rays skipped where a plane supports the mesh
        accessibility(tri, bvh, hull=graph)
        additive_orientation(tri, bvh, hull=graph)
        gather_triangles(vertices, faces)
        least_by_group(np.ascontiguousarray(faces[:, 0]), np.ascontiguousarray(vertices[:, 0]),  # thinnest per face
                       np.full(len(vertices), np.inf))

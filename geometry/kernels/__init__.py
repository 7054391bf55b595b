"""Numba kernels on flat triangle arrays (see STYLE.md, "Numeric kernels").

Each public function validates and coerces its input, runs a private cached
``@njit`` kernel and returns a small frozen record. Importing this package
compiles nothing; the first call of a kernel loads it from Numba's cache
(``warm_up`` does that ahead of time, e.g. at service start).
"""

from geometry.kernels.access import Accessibility, accessibility
from geometry.kernels.additive import AdditiveOrientations, FacingAreas, additive_orientation, facing_areas
from geometry.kernels.bvh import BVH, RayHits, build_bvh, raycast
from geometry.kernels.convex import mesh_convex_hull
from geometry.kernels.health import MeshHealth, mesh_health
from geometry.kernels.hull import ConvexHull, convex_hull_volume
from geometry.kernels.mass import MassProperties, mass_properties
from geometry.kernels.obb import OrientedBox, oriented_bounding_box
from geometry.kernels.rectangle import Rectangle, min_area_rectangle
from geometry.kernels.thickness import WallThickness, wall_thickness
from geometry.kernels.warm import use_fork_safe_threads, warm_up
from geometry.kernels.weld import weld_keys

__all__ = [
    "Accessibility",
    "AdditiveOrientations",
    "BVH",
    "ConvexHull",
    "FacingAreas",
    "MassProperties",
    "MeshHealth",
    "OrientedBox",
    "RayHits",
    "Rectangle",
    "WallThickness",
    "accessibility",
    "additive_orientation",
    "build_bvh",
    "convex_hull_volume",
    "facing_areas",
    "mass_properties",
    "mesh_convex_hull",
    "mesh_health",
    "min_area_rectangle",
    "oriented_bounding_box",
    "raycast",
    "use_fork_safe_threads",
    "wall_thickness",
    "warm_up",
    "weld_keys",
]

"""Numeric tolerances of the geometry package, in one documented dataclass (trimesh's ``tol``).

Every comparison in ``geometry`` that allows slack reads it from ``tol``; none writes a
literal epsilon. Units are in the field names (``_mm``, ``_mm2``, ``_rad``); ``_rel`` fields
are fractions of a size named in their comment, ``_cos``/``_sin`` fields are dimensionless.
Numba kernels read the fields they need into module-level constants when their module is
imported (Numba freezes globals at compile time), so ``tol`` is frozen.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tolerances", "tol"]


@dataclass(frozen=True)
class Tolerances:
    """Every tolerance ``geometry`` uses; the one instance is ``tol``."""

    # --- meshes and loading -------------------------------------------------------------------
    #: two vertices closer than this are merged [mm]
    merge_mm: float = 1e-6
    #: a triangle with less area than this is degenerate [mm2]
    degenerate_area_mm2: float = 1e-12
    #: STEP tessellation: chordal deflection relative to the part size [-]
    tessellation_relative_deflection: float = 1e-3
    #: STEP tessellation: smallest and largest absolute chordal deflection [mm]
    tessellation_min_deflection_mm: float = 0.005
    tessellation_max_deflection_mm: float = 0.5
    #: STEP tessellation: angular deflection [rad]
    tessellation_angular_rad: float = 0.35
    #: STEP surface models: gap between face boundaries that sewing closes [mm]
    sew_gap_mm: float = 1e-3
    #: a part whose largest extent is under this is implausibly small [mm]
    plausible_min_extent_mm: float = 1.0
    #: a part whose largest extent is over this is implausibly large [mm]
    plausible_max_extent_mm: float = 5000.0

    # --- DXF flat patterns --------------------------------------------------------------------
    #: chord error of arcs and splines when flattened [mm]
    dxf_flatten_mm: float = 0.01
    #: contour ends closer than this join [mm]
    dxf_join_mm: float = 0.05
    #: a contour point whose turn (cross product of its unit edges) is under this is collinear [-, sine]
    collinear_sin: float = 1e-9
    #: a contour point this close to the one before it repeats it [mm]
    repeated_point_mm: float = 1e-9
    #: two contours (around the same centre) whose areas differ by at most
    #: ``same_area_rel`` x area + ``same_area_mm2`` are one contour drawn twice [-], [mm2]
    same_area_rel: float = 1e-6
    same_area_mm2: float = 1e-6

    # --- B-rep feature recognisers ------------------------------------------------------------
    #: two lengths (radii, depths, offsets, distances) closer than this are equal [mm]
    feature_length_mm: float = 1e-3
    #: two unit directions whose |dot product| is over 1 - this are parallel [-, 1 - cosine]
    parallel_cos_gap: float = 1e-6
    #: an internal corner ends on a plane whose normal is within this of the corner's direction
    #: (looser than ``parallel_cos_gap``: tessellated and fitted floors tilt a little) [-, 1 - cosine]
    corner_end_parallel_cos_gap: float = 1e-3
    #: two unit directions whose |dot product| is under this are perpendicular [-, cosine]
    perpendicular_cos: float = 1e-6
    #: an edge whose face normals turn by less than this about it is smooth (tangent) [-, sine]
    smooth_edge_sin: float = 1e-6
    #: a component of a unit vector, or the length of a cross product of two, under this is zero [-]
    zero_component: float = 1e-9
    #: axis keys round unit directions to this many decimals (CAD data repeats an axis to ~1e-9) [-]
    axis_key_digits: int = 6
    #: a bent face spanning within this of a full turn is a closed tube [rad]
    full_turn_gap_rad: float = 1e-3
    #: a concave cylinder run covering at least this angle is a hole, not a fillet [rad]
    hole_min_span_rad: float = 4.7  # ~270 degrees
    #: a hole's diameter within this of a tap drill is likely tapped [mm]
    tap_drill_mm: float = 0.05
    #: a sheet part: faces paired as offset twins (plus their edge faces) cover this share of the area [-]
    sheet_min_twin_share: float = 0.97
    #: a sheet part is thin: thickness at most this share of its second-largest extent [-]
    sheet_max_thickness_ratio: float = 0.2
    #: a turned part: faces coaxial with the main axis cover at least this share of the area [-]
    turning_min_axial_share: float = 0.6
    #: ... and the faces that are not discs/rings (the sides) are at least this share round about it [-]
    turning_min_round_side_share: float = 0.5
    #: two solids are the same part when volume and area agree to this (their moments to 10x this) [-]
    same_solid_rel: float = 1e-5
    #: ... measures smaller than this count as this when comparing them [mm3, mm2, kg mm2]
    same_solid_floor: float = 1e-12

    # --- numeric kernels ----------------------------------------------------------------------
    #: a ray starting on a surface ignores hits closer than this, relative to the part's diagonal [-]
    ray_start_rel: float = 1e-7
    #: a ray starting on a surface starts this far off it along the outward normal, relative to the diagonal [-]
    ray_offset_rel: float = 1e-6
    #: a mesh is convex (its own hull, ``kernels.convex``) when no neighbouring vertex lies more than this
    #: above a face's plane, relative to the diagonal [-]; the hull volume is then exact to area x slack
    convex_slack_rel: float = 1e-9
    #: a convex hull's edge is convex when the far vertex of the facet across it lies no more than this
    #: above the facet's plane, relative to the largest coordinate (rounding of a flat edge) [-]; rays are
    #: skipped only on a hull whose every edge passes (``kernels.supporting``)
    hull_flat_rel: float = 1e-12
    #: a vertex is a corner of a convex mesh when its faces' normals leave a plane by more than this [-, sine]
    convex_corner_sin: float = 1e-7
    #: accessibility rays start this far off the surface, relative to the diagonal [-]: they run along
    #: walls nearly parallel to the tool axis (hole walls, whose facets tilt by ~1e-3 after
    #: tessellation) and must clear the neighbouring facets; 1e-6 marked the walls of drilled holes
    #: in real STEP parts as undercuts
    access_offset_rel: float = 1e-4
    #: a face whose normal points this little against a direction still counts as facing it [-, cosine]
    facing_cos: float = 1e-6
    #: a triangle this close to the build plate is on the plate, relative to the diagonal [-]
    plate_rel: float = 1e-4
    #: ray-triangle test: a triangle grows by this fraction of its size, so a ray through the edge
    #: two triangles share hits at least one of them despite rounding [-]
    barycentric_slack_rel: float = 1e-9
    #: BVH node boxes grow by this fraction of the scene diagonal, so a flat box (the leaf of a face
    #: parallel to a ray) still has an inside for a ray running in its plane [-]
    box_pad_rel: float = 1e-9
    #: wall-thickness rays skip a BVH node whose triangles' normals all point against the ray by more
    #: than this (the sine bound of the node's normal cone, ``kernels.cones``), covering its rounding [-]
    normal_cone_slack: float = 1e-9
    #: a divisor under this in magnitude is zero or subnormal: its reciprocal would overflow [-]
    tiny: float = 1e-300
    #: weighted quantiles: a cumulative weight within this fraction below q of the total reaches q [-]
    quantile_slack_rel: float = 1e-9
    #: convex-hull faces whose unit normals agree to this many decimals are coplanar (box search) [-]
    normal_merge_digits: int = 9
    #: build orientations whose support volumes agree to this many digits (relative to the largest) tie [-]
    support_tie_digits: int = 9


tol = Tolerances()

"""``PartFeatures``: the one hand-off between geometry and everything else.

Schema ``microfab.features/1``. Plain frozen data, units in every name. A field
that cannot be measured for an input is ``None`` and ``unmeasured[field]``
says why; nothing is ever a made-up number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from geometry.codec import from_jsonable, to_jsonable
from geometry.findings import Finding

FEATURES_SCHEMA = "microfab.features/1"


class FileFormat(enum.Enum):
    STEP = "step"
    STL = "stl"
    THREE_MF = "3mf"
    OBJ = "obj"
    PLY = "ply"
    DXF = "dxf"


class HoleKind(enum.StrEnum):
    """How a hole's mouth is made: plain drilled, counterbored for a bolt head, or countersunk."""

    PLAIN = "plain"
    COUNTERBORE = "counterbore"
    COUNTERSINK = "countersink"


class SurfaceKind(enum.Enum):
    PLANE = "plane"
    CYLINDER = "cylinder"
    CONE = "cone"
    SPHERE = "sphere"
    TORUS = "torus"
    BSPLINE = "bspline"
    OTHER = "other"


@dataclass(frozen=True)
class SourceInfo:
    filename: str
    format: FileFormat
    sha256: str
    size_bytes: int
    #: unit the file's numbers were in before conversion to mm
    units: str
    #: where that unit came from: "file", "request" or "default"
    units_source: str


@dataclass(frozen=True)
class MeshInfo:
    triangles: int
    vertices: int
    watertight: bool
    bodies: int
    open_edges: int = 0
    degenerate_faces: int = 0
    #: True when the mesh is a tessellation of an exact B-rep
    from_brep: bool = False
    #: edges used by more than two faces
    nonmanifold_edges: int = 0
    #: edges whose two faces traverse it the same way (a flipped neighbour)
    inconsistent_edges: int = 0
    #: closed and consistently wound, non-manifold edges allowed (each edge used as often in one
    #: direction as in the other): the volume is well defined and a slicer prints it
    closed: bool = False
    #: closed shells nested inside the part's material (inside an odd number of other shells): inner
    #: cavities no tool reaches and that trap powder or resin (``geometry.kernels.shells``); measured
    #: on closed meshes of several shells, 0 otherwise
    voids: int = 0
    #: volume those cavities enclose [mm3]
    void_volume_mm3: float = 0.0
    #: the centre of the largest cavity's box [mm], to point at it
    void_centre_mm: tuple[float, float, float] | None = None

    @property
    def solid(self) -> bool:
        """Whether the mesh encloses a well-defined volume: watertight, or closed with non-manifold edges."""
        return self.watertight or self.closed


@dataclass(frozen=True)
class FaceStats:
    """B-rep faces by surface type: counts and areas."""

    total: int
    count_by_kind: dict[str, int]
    area_mm2_by_kind: dict[str, float]


@dataclass(frozen=True)
class Hole:
    diameter_mm: float
    depth_mm: float
    through: bool
    axis: tuple[float, float, float]
    position_mm: tuple[float, float, float] | None = None
    kind: HoleKind = HoleKind.PLAIN
    counterbore_diameter_mm: float | None = None
    counterbore_depth_mm: float | None = None
    countersink_angle_deg: float | None = None
    nearest_drill_mm: float | None = None
    #: metric thread this hole is the tap drill of (e.g. "M6"), if any
    likely_tap: str | None = None
    face_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Pocket:
    depth_mm: float
    opening_mm: tuple[float, float]
    depth_to_width: float
    axis: tuple[float, float, float]
    corner_radius_mm: float | None = None
    face_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bend:
    angle_deg: float
    inner_radius_mm: float
    length_mm: float
    axis: tuple[float, float, float] | None = None
    #: a point on the bend axis (the common axis of its inner and outer cylinders), halfway along the bend [mm]
    axis_point_mm: tuple[float, float, float] | None = None
    #: the shorter of the two flat flanges the bend joins, measured across the bend line from the
    #: tangent line where the flange leaves the bend to the flange's farthest point [mm]
    flange_length_mm: float | None = None
    #: per flange: a point (halfway along) of the tangent line where the bend's inner face meets it [mm]
    tangent_points_mm: tuple[tuple[float, float, float], ...] | None = None
    #: per flange, same order: unit vector in its plane, across the bend, pointing from the bend into it
    flange_directions: tuple[tuple[float, float, float], ...] | None = None


@dataclass(frozen=True)
class SheetMetal:
    thickness_mm: float
    bends: list[Bend]
    flat_bbox_mm: tuple[float, float]
    flat_area_mm2: float
    cut_length_mm: float
    #: inner contours (holes and cut-outs) the laser pierces into; the outline's own pierce is not
    #: counted here (the sheet-metal process prices it on top). A DXF nest of several pieces counts
    #: the outlines after the first here too, so every piece gets its pierce.
    pierces: int
    k_factor: float = 0.44
    #: a flat plate's milled recesses (pocket floors and steps below a skin, with their walls), which a laser
    #: cannot cut: their faces, the number of floors and floor area x depth [mm3] (``geometry.brep.recesses``)
    recess_face_ids: tuple[int, ...] = ()
    recesses: int = 0
    recess_volume_mm3: float = 0.0


@dataclass(frozen=True)
class Turning:
    axis: tuple[float, float, float]
    max_diameter_mm: float
    length_mm: float
    #: features a lathe alone cannot make (cross holes, flats, ...)
    secondary_features: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Additive:
    """A build orientation for printing and what it costs in support (``geometry.kernels.additive_orientation``)."""

    #: build direction: unit vector pointing up from the plate
    orientation: tuple[float, float, float]
    build_height_mm: float
    #: downward faces more than 45 deg from vertical, not on the plate [mm2]
    overhang_area_mm2: float
    #: sum over overhanging faces of projected area x drop to the plate or the part below [mm3]
    support_volume_mm3: float
    #: area of the faces facing up (normal within ``kernels.additive.SKIN_DEG`` of the build direction),
    #: projected on the plate: the top surfaces a slicer fills with solid skin [mm2]; None: not measured
    #: (features stored before it was)
    up_area_mm2: float | None = None
    #: the same for the faces facing down (normal within ``SKIN_DEG`` of -direction), the plate's face
    #: included: the bottom skins [mm2]; None: not measured
    down_area_mm2: float | None = None
    #: the other faces (walls): area-weighted mean of each face's extent across the build direction, the
    #: straight run of perimeter it gives each layer (long on flat sides, short on the facets of round
    #: holes) [mm]; None: not measured
    wall_run_mm: float | None = None


@dataclass(frozen=True)
class FaceArea:
    """A face a finding concerns and how much of it: a B-rep face id for a STEP part, else a mesh region
    (``geometry.export.mesh_regions``); either way the ids of the preview GLB (``geometry.face_findings``)."""

    face_id: int
    #: area of the face's triangles the finding concerns [mm2]
    area_mm2: float
    #: the thinnest wall measured on those triangles [mm] (thin walls only)
    min_wall_mm: float | None = None


@dataclass(frozen=True)
class FaceRadius:
    """An internal corner's face (B-rep face id) and its radius: a concave fillet, or 0 for a sharp corner's wall."""

    face_id: int
    radius_mm: float


@dataclass(frozen=True)
class PartFeatures:
    source: SourceInfo
    bbox_mm: tuple[float, float, float]
    mesh: MeshInfo
    volume_mm3: float | None = None
    area_mm2: float | None = None
    centroid_mm: tuple[float, float, float] | None = None
    obb_mm: tuple[float, float, float] | None = None
    convex_hull_volume_mm3: float | None = None
    faces: FaceStats | None = None
    holes: list[Hole] | None = None
    pockets: list[Pocket] | None = None
    min_internal_radius_mm: float | None = None
    min_wall_thickness_mm: float | None = None
    wall_thickness_p05_mm: float | None = None
    wall_thickness_p50_mm: float | None = None
    setups_3axis: list[str] | None = None
    unreachable_area_mm2: float | None = None
    sheet_metal: SheetMetal | None = None
    turning: Turning | None = None
    additive: Additive | None = None
    #: number of solids (B-rep) or bodies (mesh) the part is made of
    solids: int = 1
    #: findings about the geometry itself (units, health)
    findings: list[Finding] = field(default_factory=list)
    #: for each field that is None: why it could not be measured
    unmeasured: dict[str, str] = field(default_factory=dict)
    schema: str = FEATURES_SCHEMA
    #: holes counted by the direction they are drilled from (B-rep only)
    hole_axes: list[HoleAxisGroup] | None = None
    #: sharp concave corners between pocket walls: a rotating tool cannot make them (B-rep only)
    sharp_internal_corners: int | None = None
    #: the distinct solids of the file and how often each occurs (B-rep only)
    distinct_solids: list[SolidSummary] | None = None
    #: mesh area whose wall is thinner than ``thin_wall_threshold_mm`` [mm2]
    thin_wall_area_mm2: float | None = None
    thin_wall_threshold_mm: float | None = None
    #: area-weighted centroid of ``unreachable_area_mm2`` (where the undercut is) [mm]
    unreachable_centroid_mm: tuple[float, float, float] | None = None
    #: the faces with walls thinner than ``face_findings.THIN_FACE_CEILING_MM``, thinnest first (at most
    #: ``face_findings.MAX_NAMED_FACES``); a finding names those under its own limit
    thin_wall_faces: list[FaceArea] | None = None
    #: the faces with area reachable from no axis direction, most such area first (at most ``MAX_NAMED_FACES``)
    unreachable_faces: list[FaceArea] | None = None
    #: the faces that need support in the ``additive`` build orientation, most such area first (at most
    #: ``MAX_NAMED_FACES``)
    overhang_faces: list[FaceArea] | None = None
    #: the internal corners' faces, smallest radius first (at most ``MAX_NAMED_FACES``; B-rep only): a
    #: finding names those under its own limit
    internal_radius_faces: list[FaceRadius] | None = None
    #: ``geometry.geometry_version()`` of the code that measured the part ("" before versions were kept)
    geometry_version: str = ""

    @property
    def max_extent_mm(self) -> float:
        return max(self.bbox_mm)

    def with_updates(self, **changes: Any) -> "PartFeatures":
        """A copy with fields replaced; a field given a value leaves ``unmeasured``."""
        unmeasured = dict(self.unmeasured)
        for name, value in changes.items():
            if value is not None:
                unmeasured.pop(name, None)
        unmeasured.update(changes.pop("unmeasured", {}) or {})
        return replace(self, unmeasured=unmeasured, **changes)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PartFeatures":
        if data.get("schema") != FEATURES_SCHEMA:
            raise ValueError(f"not a {FEATURES_SCHEMA} document (schema={data.get('schema')!r})")
        return from_jsonable(cls, data)


@dataclass(frozen=True)
class HoleAxisGroup:
    """Holes drilled along one direction (``axis`` points out of the holes)."""

    axis: tuple[float, float, float]
    count: int
    through: int
    diameters_mm: list[float]


@dataclass(frozen=True)
class SolidSummary:
    """One distinct solid of a multi-solid file (identical solids up to a rigid motion counted once)."""

    #: position in ``geometry.split_solids``'s list
    index: int
    count: int
    volume_mm3: float
    area_mm2: float
    bbox_mm: tuple[float, float, float]
    faces: int

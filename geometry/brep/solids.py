"""Multi-solid files: one ``Part`` per distinct solid, identical solids counted.

Two solids are the same part when their volume, area, principal moments of
inertia and face counts by surface type agree (to ``_REL_TOL``): these do not
change under a rigid motion. (A mirror image also agrees: left- and
right-hand versions of a part are counted together.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from geometry.brep.faces import MassProps
from geometry.features import SolidSummary
from geometry.part import Part
from geometry.tolerances import tol


@dataclass
class _Group:
    solid: Any
    props: MassProps
    face_kinds: tuple[int, ...]
    count: int = 1

    def same(self, props: MassProps, face_kinds: tuple[int, ...]) -> bool:
        if face_kinds != self.face_kinds:
            return False
        a = np.array([self.props.volume_mm3, self.props.area_mm2, *self.props.principal_moments])
        b = np.array([props.volume_mm3, props.area_mm2, *props.principal_moments])
        scale = np.maximum(np.abs(a), tol.same_solid_floor)
        return bool(np.all(np.abs(a - b) <= scale * np.array([1, 1, 10, 10, 10]) * tol.same_solid_rel))


class _LastGrouping(threading.local):
    """The distinct solids of the last compound grouped in this thread: ``brep_features`` groups a
    part's solids, then ``split_solids`` asks again for the same shape (the B-rep is analysed once)."""

    shape: Any = None
    groups: list[tuple[Any, int, MassProps]] | None = None


_LAST = _LastGrouping()


def remember_grouping(shape: Any, groups: list[tuple[Any, int, MassProps]]) -> None:
    """Keep the distinct solids of ``shape`` for the next ``split_solids`` of the same shape object."""
    _LAST.shape, _LAST.groups = shape, groups


def distinct_solids(per_solid: list[tuple[Any, MassProps]]) -> list[tuple[Any, int, MassProps]]:
    """(solid, count, mass properties) for each distinct solid, in file order, from ``faces.solid_props``."""
    groups: list[_Group] = []
    for solid, props in per_solid:
        kinds = _face_kinds(solid)
        for g in groups:
            if g.same(props, kinds):
                g.count += 1
                break
        else:
            groups.append(_Group(solid, props, kinds))
    return [(g.solid, g.count, g.props) for g in groups]


def summaries(groups: list[tuple[Any, int, MassProps]]) -> list[SolidSummary]:
    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib

    out = []
    for i, (solid, count, props) in enumerate(groups):
        box = Bnd_Box()
        BRepBndLib.Add_s(solid, box, True)
        xmin, ymin, zmin, xmax, ymax, zmax = box.Get()
        out.append(
            SolidSummary(
                index=i,
                count=count,
                volume_mm3=round(props.volume_mm3, 6),
                area_mm2=round(props.area_mm2, 6),
                bbox_mm=(round(xmax - xmin, 4), round(ymax - ymin, 4), round(zmax - zmin, 4)),
                faces=sum(_face_kinds(solid)),
            )
        )
    return out


def split_solids(part: Part) -> list[tuple[Part, int]]:
    """One ``Part`` per distinct solid of ``part`` with how many times it occurs.

    A mesh part or a single-solid part comes back as ``[(part, 1)]``. Each
    returned part keeps the file's ``source`` and carries its own B-rep and
    tessellation, so ``geometry.extract`` measures that solid alone.
    """
    if part.brep is None or part.solids <= 1:
        return [(part, 1)]
    from geometry.brep.faces import solid_props
    from geometry.brep.topology import Topology

    groups = _LAST.groups if _LAST.shape is part.brep else None
    if groups is None:
        per_solid, _ = solid_props(Topology.of(part.brep))
        groups = distinct_solids(per_solid)
    return solid_parts(part, groups)


def solid_parts(part: Part, groups: list[tuple[Any, int, MassProps]]) -> list[tuple[Part, int]]:
    """``split_solids`` for the distinct solids ``groups`` of ``part`` (``distinct_solids``): each tessellated."""
    from geometry.loaders.step import tessellate

    out = []
    for solid, count, _ in groups:
        vertices, faces = tessellate(solid)
        out.append((Part(part.source, vertices, faces, brep=solid, solids=1), count))
    return out


def _face_kinds(solid: Any) -> tuple[int, ...]:
    from OCP.BRepAdaptor import BRepAdaptor_Surface
    from OCP.TopAbs import TopAbs_FACE
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopoDS import TopoDS

    counts: dict[int, int] = {}
    exp = TopExp_Explorer(solid, TopAbs_FACE)
    while exp.More():
        kind = int(BRepAdaptor_Surface(TopoDS.Face_s(exp.Current()), False).GetType())
        counts[kind] = counts.get(kind, 0) + 1
        exp.Next()
    return tuple(counts.get(k, 0) for k in range(12))

"""``Part``: a loaded CAD file, in millimetres.

A triangle mesh always (tessellated from the B-rep for STEP files) and, where
the file has one, the exact B-rep as an opaque handle that only
``geometry.brep`` looks inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from geometry.features import SourceInfo


@dataclass(frozen=True, eq=False)
class Part:
    source: SourceInfo
    #: (n, 3) float64 [mm], vertices merged
    vertices_mm: np.ndarray
    #: (m, 3) int64, indices into ``vertices_mm``, counter-clockwise seen from outside
    faces: np.ndarray
    #: the healed OCP ``TopoDS_Shape`` of a STEP file, else None (opaque outside geometry.brep)
    brep: Any = None
    #: number of solids in the B-rep (1 for meshes; bodies are counted by the mesh analysis)
    solids: int = 1

    @property
    def triangles_mm(self) -> np.ndarray:
        """(m, 3, 3) float64 [mm]."""
        return self.vertices_mm[self.faces]

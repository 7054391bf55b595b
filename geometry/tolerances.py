"""Numeric tolerances, in one place (trimesh's ``tol``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
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
    #: a part whose largest extent is under this is implausibly small [mm]
    plausible_min_extent_mm: float = 1.0
    #: a part whose largest extent is over this is implausibly large [mm]
    plausible_max_extent_mm: float = 5000.0


tol = Tolerances()

"""Tolerances and standard sizes of the B-rep feature recognisers, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BrepTolerances:
    #: two lengths closer than this are equal [mm]
    length_mm: float = 1e-3
    #: two unit directions whose dot product is over 1 - this are parallel [-]
    parallel: float = 1e-6
    #: a concave cylinder run covering at least this angle is a hole, not a fillet [rad]
    hole_min_span_rad: float = 4.7  # ~270 degrees
    #: a hole's diameter within this of a tap drill is likely tapped [mm]
    tap_drill_mm: float = 0.05
    #: a sheet part: faces paired as offset twins (plus their edge faces) cover this share of the area [-]
    sheet_min_twin_share: float = 0.97
    #: a sheet part is thin: thickness at most this share of its second-largest extent [-]
    sheet_max_thickness_ratio: float = 0.2
    #: default K-factor: where the neutral fibre lies in a bend, as a share of the thickness [-]
    k_factor: float = 0.44
    #: a turned part: faces coaxial with the main axis cover at least this share of the area [-]
    turning_min_axial_share: float = 0.6
    #: ... and the faces that are not discs/rings (the sides) are at least this share round about it [-]
    turning_min_round_side_share: float = 0.5


btol = BrepTolerances()

#: metric coarse threads and their tap-drill diameters [mm] (ISO 2306, 6H)
TAP_DRILLS_MM: dict[str, float] = {
    "M2": 1.6, "M2.5": 2.05, "M3": 2.5, "M4": 3.3, "M5": 4.2, "M6": 5.0, "M8": 6.8,
    "M10": 8.5, "M12": 10.2, "M14": 12.0, "M16": 14.0, "M18": 15.5, "M20": 17.5,
}


def standard_drills_mm() -> list[float]:
    """Standard twist-drill diameters [mm]: 0.1 mm steps to 13 mm, 0.5 mm to 32 mm, 1 mm to 60 mm."""
    small = [round(0.5 + 0.1 * i, 1) for i in range(126)]  # 0.5 .. 13.0
    medium = [13.0 + 0.5 * i for i in range(1, 39)]  # 13.5 .. 32.0
    large = [float(d) for d in range(33, 61)]
    return small + medium + large

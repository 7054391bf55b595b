"""Standard sizes and default material constants of the B-rep feature recognisers (data, not tolerances).

The recognisers' tolerances live in ``geometry.tolerances.tol``.
"""

from __future__ import annotations

__all__ = ["DEFAULT_K_FACTOR", "TAP_DRILLS_MM", "standard_drills_mm"]

#: default K-factor: where the neutral fibre lies in a bend, as a share of the thickness [-]
DEFAULT_K_FACTOR = 0.44

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

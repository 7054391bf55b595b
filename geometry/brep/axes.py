"""Axis lines and directions shared by the recognisers: same line, hashable keys, canonical sense."""

from __future__ import annotations

import numpy as np

from geometry.tolerances import tol

__all__ = ["as_tuple", "axis_key", "canonical", "same_line"]


def same_line(axis_a: np.ndarray, origin_a: np.ndarray, axis_b: np.ndarray, origin_b: np.ndarray) -> bool:
    """Two axes are the same line (either sense)."""
    if abs(float(axis_a @ axis_b)) < 1 - tol.parallel_cos_gap:
        return False
    rel = origin_b - origin_a
    off = rel - (rel @ axis_a) * axis_a
    return float(np.linalg.norm(off)) < tol.feature_length_mm


def axis_key(direction: np.ndarray, origin: np.ndarray) -> tuple[float, ...]:
    """A hashable key of an axis line (either sense): canonical direction and the foot of the line.

    Rounded to ``tol.feature_length_mm`` and ``tol.axis_key_digits`` decimals: two coaxial surfaces
    share a key, so grouping by axis is linear, not quadratic.
    """
    d = canonical(direction / np.linalg.norm(direction))
    foot = origin - (origin @ d) * d
    return (*np.round(d, tol.axis_key_digits).tolist(), *np.round(foot / tol.feature_length_mm).tolist())


def canonical(direction: np.ndarray) -> np.ndarray:
    """``direction`` or its opposite, whichever has its first clearly non-zero component positive."""
    for c in direction:
        if abs(c) > tol.zero_component:
            return direction if c > 0 else -direction
    return direction


def as_tuple(v: np.ndarray, digits: int = 6) -> tuple[float, float, float]:
    return (round(float(v[0]), digits) + 0.0, round(float(v[1]), digits) + 0.0, round(float(v[2]), digits) + 0.0)

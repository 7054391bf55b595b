"""Error measures of price predictions: MAPE, median APE, interval coverage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models._typing import FloatArray


def _arrays(*xs: Sequence[float]) -> list[FloatArray]:
    out = [np.asarray(x, dtype=np.float64) for x in xs]
    if len({a.shape for a in out}) != 1:
        raise ValueError(f"arrays of different shapes: {[a.shape for a in out]}")
    return out


def ape(true_eur: Sequence[float], pred_eur: Sequence[float]) -> FloatArray:
    """Absolute percentage errors |pred - true| / true (fractions, not percent)."""
    t, p = _arrays(true_eur, pred_eur)
    return np.abs(p - t) / t


def mape(true_eur: Sequence[float], pred_eur: Sequence[float]) -> float:
    """Mean absolute percentage error (fraction: 0.1 = 10 %)."""
    return float(np.mean(ape(true_eur, pred_eur)))


def median_ape(true_eur: Sequence[float], pred_eur: Sequence[float]) -> float:
    """Median absolute percentage error (fraction)."""
    return float(np.median(ape(true_eur, pred_eur)))


def coverage(true_eur: Sequence[float], low_eur: Sequence[float], high_eur: Sequence[float]) -> float:
    """Share of true prices inside [low, high]."""
    t, lo, hi = _arrays(true_eur, low_eur, high_eur)
    return float(np.mean((t >= lo) & (t <= hi)))

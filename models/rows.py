"""The rows a cost model computes from ``CostSample`` records, in plain numpy (no scikit-learn).

Both the scikit-learn estimators that fit (``CostVectorizer``, ``RateCardCalibrator``) and the
compact models the quote path loads (``models.compact``) call these functions, so a line is
encoded, and the rate calibration evaluated, by the same code either way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from models._arrays import FloatArray
from models.samples import CostSample

#: the numeric columns, in order
NUMERIC_FEATURES: tuple[str, ...] = (
    "log_volume_mm3",
    "log_area_mm2",
    "log_bbox_max_mm",
    "log_bbox_mid_mm",
    "log_bbox_min_mm",
    "fill_ratio",
    "holes",
    "pockets",
    "setups_3axis",
    "setups_known",
    "faces",
    "is_sheet",
    "is_turned",
    "log_quantity",
    "log_batch_time_min",
    "log_part_time_min",
    "log_run_time_min",
    "log_stock_mass_kg",
    "log_rule_total_eur",
    "log_rule_unit_eur",
    "rate_eur_h",
    "setup_rate_eur_h",
    "share_setup",
    "share_machining",
    "share_material",
    "share_fixed",
)


def _log(x: float | None) -> float:
    return math.log1p(max(float(x), 0.0)) if x is not None else 0.0


def numeric_row(s: CostSample) -> list[float]:
    """The ``NUMERIC_FEATURES`` of one sample."""
    f = s.features
    dims = sorted((float(x) for x in f.bbox_mm), reverse=True)
    bbox_volume = max(dims[0] * dims[1] * dims[2], 1e-9)
    total = float(s.rule_total_eur)
    qty = max(s.num("quantity"), 1.0)
    fixed = s.num("shipping_eur") + s.num("minimum_order_eur")
    return [
        _log(f.volume_mm3),
        _log(f.area_mm2),
        _log(dims[0]),
        _log(dims[1]),
        _log(dims[2]),
        (f.volume_mm3 or 0.0) / bbox_volume,
        float(len(f.holes)) if f.holes is not None else 0.0,
        float(len(f.pockets)) if f.pockets is not None else 0.0,
        float(len(f.setups_3axis)) if f.setups_3axis is not None else 0.0,
        1.0 if f.setups_3axis is not None else 0.0,
        float(f.faces.total) if f.faces is not None else 0.0,
        1.0 if f.sheet_metal is not None else 0.0,
        1.0 if f.turning is not None else 0.0,
        math.log(qty),
        _log(s.num("batch_time_min")),
        _log(s.num("part_time_min")),
        _log(s.num("run_time_min")),
        _log(s.num("stock_mass_kg")),
        _log(total),
        _log(total / qty),
        s.num("rate_eur_h"),
        s.num("setup_rate_eur_h"),
        s.num("setup_eur") / total,
        s.num("machining_eur") / total,
        s.num("material_eur") / total,
        fixed / total,
    ]


def encode_rows(categories: Sequence[str], values: Mapping[str, Sequence[str]], n_columns: int,
                X: Sequence[CostSample]) -> FloatArray:
    """The (n, n_columns) matrix of ``X``: ``numeric_row``, then a one-hot column per ``values[key]`` of each
    key of ``categories``; non-finite entries become 0."""
    rows = []
    for s in X:
        row = numeric_row(s)
        for key in categories:
            value = s.text(key)
            row += [1.0 if value == v else 0.0 for v in values[key]]
        rows.append(row)
    out = np.asarray(rows, dtype=np.float64).reshape(len(rows), n_columns)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def rate_key(s: CostSample) -> str:
    """The process/machine class a rate calibration fits one setup and one machining factor for."""
    return f"{s.text('process')}/{s.text('machine_class')}"


#: cost lines of the rule breakdown shared by every process (columns after the per-process ones)
SHARED_COLUMNS = ("material_eur", "other_eur", "minimum_order_eur")


def shared_costs(s: CostSample) -> list[float]:
    """The ``SHARED_COLUMNS`` of one sample [EUR]."""
    return [s.num("material_eur"), s.num("finishing_eur") + s.num("options_eur"), s.num("minimum_order_eur")]


def rate_design(keys: Sequence[str], X: Sequence[CostSample]) -> FloatArray:
    """Columns: (setup, machining) EUR per process/machine class of ``keys``, then material, other,
    minimum-order top-up."""
    n_keys = len(keys)
    A = np.zeros((len(X), 2 * n_keys + len(SHARED_COLUMNS)))
    for i, s in enumerate(X):
        setup, machining = s.num("setup_eur"), s.num("machining_eur")
        if rate_key(s) in keys:
            k = keys.index(rate_key(s))
            A[i, 2 * k] = setup
            A[i, 2 * k + 1] = machining
        else:  # a process/machine class not in the history: the mean of the known ones
            A[i, 0:2 * n_keys:2] = setup / n_keys
            A[i, 1:2 * n_keys:2] = machining / n_keys
        A[i, 2 * n_keys:] = shared_costs(s)
    return A


def rate_prices(keys: Sequence[str], coef: FloatArray, X: Sequence[CostSample]) -> FloatArray:
    """The price the implied card of a rate calibration (``keys``, coefficients ``coef``) quotes [EUR]."""
    shipping = np.array([s.num("shipping_eur") for s in X], dtype=np.float64)
    return rate_design(keys, X) @ coef + shipping


__all__ = [
    "NUMERIC_FEATURES",
    "SHARED_COLUMNS",
    "encode_rows",
    "numeric_row",
    "rate_design",
    "rate_key",
    "rate_prices",
    "shared_costs",
]

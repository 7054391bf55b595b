"""``CostVectorizer``: ``CostSample`` records to a fixed-order numeric matrix with feature names.

Numeric columns come first in a fixed order (``NUMERIC_FEATURES``), then one
column per category seen at fit time (``material=al6061``, ``process=...``,
``machine_class=...``), sorted, so the names do not depend on row order.
Sizes, times and money enter as ``log1p``; a field ``PartFeatures`` could not
measure enters as 0 together with a ``*_known`` flag where that matters.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from models._typing import BaseEstimator, FloatArray, TransformerMixin
from models.samples import TEXT_CONTEXT, CostSample, check_samples

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


class CostVectorizer(TransformerMixin, BaseEstimator):
    """Turn ``CostSample`` records into a float64 matrix (n_samples, n_features).

    Parameters
    ----------
    categories : tuple of str
        Context keys one-hot encoded with the values seen at fit time.
    """

    def __init__(self, categories: tuple[str, ...] = TEXT_CONTEXT) -> None:
        self.categories = categories

    def fit(self, X: Sequence[CostSample], y: object = None) -> "CostVectorizer":
        check_samples(X)
        self.categories_ = {key: sorted({s.text(key) for s in X}) for key in self.categories}
        self.feature_names_out_ = np.array(
            list(NUMERIC_FEATURES) + [f"{key}={v}" for key in self.categories for v in self.categories_[key]],
            dtype=object,
        )
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def transform(self, X: Sequence[CostSample]) -> FloatArray:
        check_is_fitted(self, "categories_")
        check_samples(X)
        rows = []
        for s in X:
            row = numeric_row(s)
            for key in self.categories:
                value = s.text(key)
                row += [1.0 if value == v else 0.0 for v in self.categories_[key]]
            rows.append(row)
        out = np.asarray(rows, dtype=np.float64).reshape(len(rows), self.n_features_out_)
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

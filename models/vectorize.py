"""``CostVectorizer``: ``CostSample`` records to a fixed-order numeric matrix with feature names.

Numeric columns come first in a fixed order (``NUMERIC_FEATURES``), then one
column per category seen at fit time (``material=al6061``, ``process=...``,
``machine_class=...``), sorted, so the names do not depend on row order.
Sizes, times and money enter as ``log1p``; a field ``PartFeatures`` could not
measure enters as 0 together with a ``*_known`` flag where that matters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_is_fitted

from models._typing import BaseEstimator, FloatArray, TransformerMixin
from models.rows import NUMERIC_FEATURES, encode_rows, numeric_row
from models.samples import TEXT_CONTEXT, CostSample, check_samples

__all__ = ["NUMERIC_FEATURES", "CostVectorizer", "numeric_row"]

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
        return encode_rows(self.categories, self.categories_, self.n_features_out_, X)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

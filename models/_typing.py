"""Typing seam of ``models``: the float-array alias and a typed face for scikit-learn's base classes.

scikit-learn ships no type information, so to mypy its classes are ``Any`` and
cannot be subclassed under the strict ``disallow_subclassing_any``. For the
type checker this module declares the part of their interface microfab uses,
with scikit-learn's signatures; at run time it re-exports scikit-learn's own
classes, so the estimators (and the skops files that name them) are unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models._arrays import FloatArray

if TYPE_CHECKING:
    from typing import Self

    class BaseEstimator:
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

        def set_params(self, **params: Any) -> Self: ...

    class RegressorMixin:
        def score(self, X: Any, y: Any, sample_weight: Any = None) -> float: ...

    class TransformerMixin:
        def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any: ...

else:
    from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin

__all__ = ["BaseEstimator", "FloatArray", "RegressorMixin", "TransformerMixin"]

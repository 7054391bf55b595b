"""Compact cost models: the learned parameters of a fitted ``CostRatioRegressor`` in plain numpy, for quoting.

A quote needs a calibrated workshop's predictions, not scikit-learn: importing
scikit-learn and skops and reading a skops archive of Python objects costs
seconds on a cold start. ``compact_model`` copies what prediction reads out of
a fitted regressor (the one-hot categories, the rate-calibration
coefficients, the boosted trees as padded node arrays, the CV+ fold models and
residuals, the marketplace prior's models); ``CompactRegressor`` predicts from
them with the same arithmetic, in the same order, so its prices are the
regressor's to the last bit (checked by ``tests/models/test_compact.py``).

``models.compact_io`` makes them from a fitted regressor and stores them.

Trees are evaluated as scikit-learn's ``predict_stages`` does: the input in
float32, ``x[feature] <= threshold`` going left, and each tree's leaf value
times the learning rate added to the running sum one tree after another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from models._arrays import FloatArray
from models.rows import encode_rows, rate_prices
from models.samples import CostSample, check_samples, rule_totals_eur

#: an (n_trees, n_nodes) array of node indices or feature numbers
IntArray = npt.NDArray[np.int32]


def conformal_ranks(n: int, level: float) -> tuple[int, int]:
    """0-based ranks of the two-sided conformal bounds among n values: ``floor((n + 1) alpha / 2)`` and
    ``ceil((n + 1) (1 - alpha / 2))`` (1-based), clipped to the sample."""
    alpha = 1.0 - level
    lo = math.floor((n + 1) * alpha / 2)
    hi = math.ceil((n + 1) * (1 - alpha / 2))
    return max(lo, 1) - 1, min(hi, n) - 1


def cv_plus(z: FloatArray, folds: FloatArray, fold_of: npt.NDArray[np.int64], residuals: FloatArray,
            ranks: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """CV+ bounds of log ratios: order statistics ``ranks`` of ``folds[fold_of[i]] + residuals[i]`` over the
    jobs i, for each of the m lines; ``folds`` (k, m) are the fold models' log ratios, ``z`` (m,) the final
    model's, which the interval always holds."""
    m = folds.shape[1]
    lo = np.empty(m)
    hi = np.empty(m)
    for start in range(0, m, 256):  # (n, block) at a time: bounded memory for long histories
        block = folds[:, start:start + 256][fold_of] + residuals[:, None]
        block.sort(axis=0)
        lo[start:start + 256] = block[ranks[0]]
        hi[start:start + 256] = block[ranks[1]]
    return np.minimum(lo, z), np.maximum(hi, z)


@dataclass(frozen=True, eq=False)
class Trees:
    """Gradient-boosted regression trees as (n_trees, n_nodes) arrays; ``left`` < 0 marks a leaf."""

    init: float
    learning_rate: float
    depth: int
    feature: IntArray
    threshold: FloatArray
    left: IntArray
    right: IntArray
    value: FloatArray

    def predict(self, X: FloatArray) -> FloatArray:
        """``init + learning_rate * leaf value`` summed tree after tree, for each row of ``X``."""
        x = np.ascontiguousarray(X, dtype=np.float32)
        n = x.shape[0]
        tree = np.arange(self.feature.shape[0])[:, None]
        row = np.arange(n)[None, :]
        node = np.zeros((self.feature.shape[0], n), dtype=np.intp)
        for _ in range(self.depth):
            left = self.left[tree, node]
            goes_left = x[row, self.feature[tree, node]] <= self.threshold[tree, node]
            node = np.where(left < 0, node, np.where(goes_left, left, self.right[tree, node]))
        steps = np.concatenate([np.full((1, n), self.init), self.learning_rate * self.value[tree, node]])
        out: FloatArray = np.add.accumulate(steps, axis=0)[-1]
        return out


@dataclass(frozen=True, eq=False)
class CompactCore:
    """One fit of the rate calibration and the boosting (the final model or one CV fold)."""

    categories: tuple[str, ...]
    values: Mapping[str, Sequence[str]]
    n_columns: int
    rate_keys: tuple[str, ...] | None
    rate_coef: FloatArray | None
    offset: float
    trees: Trees | None

    def _base(self, X: Sequence[CostSample]) -> FloatArray:
        if self.rate_keys is None or self.rate_coef is None:
            return np.zeros(len(X))
        rule = rule_totals_eur(X)
        base: FloatArray = np.log(np.maximum(rate_prices(self.rate_keys, self.rate_coef, X), 1e-6) / rule)
        return base

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        base = self._base(X)
        z = base + self.offset
        if self.trees is not None:
            matrix = np.column_stack([encode_rows(self.categories, self.values, self.n_columns, X), base])
            z = z + self.trees.predict(matrix)
        return z


class LogRatioPrior(Protocol):
    """What a regressor blends with: log price ratios."""

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray: ...


class _Core(Protocol):
    def predict(self, X: Sequence[CostSample]) -> FloatArray: ...


class ConformalModel(Protocol):
    """What ``log_interval`` reads of a fitted regressor, the scikit-learn one or its compact form."""

    @property
    def level(self) -> float: ...
    @property
    def n_samples_(self) -> int: ...
    @property
    def weight_(self) -> float: ...
    @property
    def conformal_(self) -> bool: ...
    @property
    def residual_lo_(self) -> float: ...
    @property
    def residual_hi_(self) -> float: ...
    @property
    def fold_of_(self) -> npt.NDArray[np.int64]: ...
    @property
    def oof_residuals_(self) -> FloatArray: ...
    @property
    def prior_(self) -> LogRatioPrior | None: ...

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray: ...


def log_interval(model: ConformalModel, X: Sequence[CostSample],
                 fold_cores: Sequence[_Core]) -> tuple[FloatArray, FloatArray]:
    """(low, high) bounds of ``log(price / rule price)`` at the model's ``level``: CV+ over the fold models
    (blended with the prior as the model is) when the model is conformal, else its residual bounds."""
    X = list(X)
    z = model.predict_log_ratio(X)
    if not model.conformal_:
        return z + model.residual_lo_, z + model.residual_hi_
    check_samples(X)
    prior = model.prior_
    folds = np.stack([core.predict(X) for core in fold_cores])  # (k, m)
    if prior is not None and model.weight_ < 1.0:
        folds = model.weight_ * folds + (1.0 - model.weight_) * prior.predict_log_ratio(X)
    return cv_plus(z, folds, model.fold_of_, model.oof_residuals_, conformal_ranks(model.n_samples_, model.level))


@dataclass(frozen=True, eq=False)
class CompactPrior:
    """The marketplace prior: the median of its workshops' log ratios."""

    models: tuple[CompactRegressor, ...]
    residual_lo_: float
    residual_hi_: float

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray:
        X = list(X)
        out: FloatArray = np.median([m.predict_log_ratio(X) for m in self.models], axis=0)
        return out


@dataclass(frozen=True, eq=False)
class CompactRegressor:
    """A fitted ``CostRatioRegressor``'s predictions (``predict``, ``predict_interval``) without scikit-learn."""

    level: float
    n_samples_: int
    weight_: float
    conformal_: bool
    residual_lo_: float
    residual_hi_: float
    training_sha256_: str
    core: CompactCore
    fold_cores: tuple[CompactCore, ...]
    fold_of_: npt.NDArray[np.int64]
    oof_residuals_: FloatArray
    prior_: LogRatioPrior | None

    def _blend(self, own: FloatArray, X: Sequence[CostSample], w: float) -> FloatArray:
        if self.prior_ is None or w >= 1.0:
            return own
        blended: FloatArray = w * own + (1.0 - w) * self.prior_.predict_log_ratio(X)
        return blended

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray:
        X = list(X)
        check_samples(X)
        return self._blend(self.core.predict(X), X, self.weight_)

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        rule = rule_totals_eur(X)
        out: FloatArray = rule * np.exp(self.predict_log_ratio(X))
        return out

    def predict_log_interval(self, X: Sequence[CostSample]) -> tuple[FloatArray, FloatArray]:
        return log_interval(self, X, self.fold_cores)

    def predict_interval(self, X: Sequence[CostSample]) -> tuple[FloatArray, FloatArray]:
        rule = rule_totals_eur(X)
        lo, hi = self.predict_log_interval(X)
        return rule * np.exp(lo), rule * np.exp(hi)


__all__ = [
    "CompactCore",
    "CompactPrior",
    "CompactRegressor",
    "ConformalModel",
    "Trees",
    "conformal_ranks",
    "cv_plus",
    "log_interval",
]

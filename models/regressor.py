"""``CostRatioRegressor``: a workshop's price as a learned correction of the rule price, with intervals.

The target is ``log(price / rule price)``. The model has three layers:

1. the rate-card calibration (``RateCardCalibrator``) gives a first correction,
   ``log(calibrated rule price / rule price)``;
2. gradient boosting (small, shrunk trees) learns what is left from the part,
   the process estimate and the request (``CostVectorizer``);
3. with a marketplace-wide ``prior`` (the same estimator fitted on every
   workshop's history), the log-ratio is blended: ``w * own + (1 - w) * prior``.
   ``w`` is chosen on out-of-fold errors: among the blends within one standard
   error of the best, the one closest to ``n / (n + prior_strength)``, so a
   workshop with little history leans on the marketplace unless its own
   prices clearly disagree with it.

Intervals are CV+ (cross-conformal, Barber et al. 2021) on the ``cv``-fold
out-of-fold residuals ``R_i`` of the whole blended model: for a new line ``x``
the bounds are order statistics of ``mu_{-k(i)}(x) + R_i`` over the n jobs,
``mu_{-k(i)}`` being the blended model fitted without job ``i``'s fold, at
ranks ``floor((n + 1) alpha / 2)`` and ``ceil((n + 1) (1 - alpha / 2))``
(the finite-sample levels). Pairing each residual with the model that made it
counts how much the model itself moves with the data, which the final model's
prediction plus the residual quantiles (split-conformal on out-of-fold
residuals) does not: with a few dozen jobs and noisy prices that version
covered 61-68 % where it promised 80 %. The point prediction stays the final
model fitted on every job. The out-of-fold predictions also give the
cross-validated errors (``oof_price_eur_``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from models._typing import BaseEstimator, FloatArray, RegressorMixin
from models.compact import conformal_ranks, log_interval
from models.errors import ModelError
from models.ratefit import RateCardCalibrator
from models.samples import CostSample, check_samples, rule_totals_eur, training_hash
from models.vectorize import CostVectorizer

#: fewer jobs than this: no boosting, the rate calibration (or the median ratio) alone
MIN_BOOSTING_SAMPLES = 12
#: fewer jobs than this: intervals from the prior (or a wide default) instead of own residuals
MIN_CONFORMAL_SAMPLES = 10
#: half-width of the log-ratio interval when there is neither enough history nor a prior
DEFAULT_LOG_HALF_WIDTH = 0.3


class LogRatioModel(Protocol):
    """A fitted model to blend with (a ``MarketplacePrior``): log price ratios and their residual bounds."""

    residual_lo_: float
    residual_hi_: float

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray: ...


class _Core:
    """One fit of layers 1 and 2 on a subset (used for the final model and for each CV fold)."""

    def __init__(self, est: "CostRatioRegressor", X: Sequence[CostSample], z: FloatArray, prices: FloatArray) -> None:
        self.vectorizer = CostVectorizer().fit(X)
        self.ratefit: RateCardCalibrator | None = None
        if est.use_rate_fit and len(X) >= 3:
            self.ratefit = RateCardCalibrator(f_scale=est.f_scale).fit(X, prices)
        base = self._base(X)
        self.offset = float(np.median(z - base)) if self.ratefit is None else 0.0
        self.gbr: GradientBoostingRegressor | None = None
        if len(X) >= MIN_BOOSTING_SAMPLES and est.n_estimators > 0:
            self.gbr = GradientBoostingRegressor(
                n_estimators=est.n_estimators,
                learning_rate=est.learning_rate,
                max_depth=est.max_depth,
                min_samples_leaf=est.min_samples_leaf,
                subsample=est.subsample,
                loss="huber",
                random_state=est.random_state,
            ).fit(self._matrix(X, base), z - base - self.offset)

    def _base(self, X: Sequence[CostSample]) -> FloatArray:
        if self.ratefit is None:
            return np.zeros(len(X))
        rule = rule_totals_eur(X)
        return np.log(np.maximum(self.ratefit.predict(X), 1e-6) / rule)

    def _matrix(self, X: Sequence[CostSample], base: FloatArray) -> FloatArray:
        return np.column_stack([self.vectorizer.transform(X), base])

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        base = self._base(X)
        z = base + self.offset
        if self.gbr is not None:
            z = z + self.gbr.predict(self._matrix(X, base))
        return z


class CostRatioRegressor(RegressorMixin, BaseEstimator):
    """Predict a workshop's price of a line from its ``CostSample``; ``y`` is the real price [EUR].

    Parameters
    ----------
    level : float
        Nominal coverage of the prediction interval (0.8: 80 %).
    prior_strength : float
        Jobs of own history worth as much as the prior (the blend weight is
        ``n / (n + prior_strength)``).
    cv : int
        Folds of the out-of-fold residuals (intervals, cross-validated errors).
    use_rate_fit : bool
        Start from the rate-card calibration (layer 1).
    f_scale : float
        Soft-L1 scale of the rate calibration (relative residual).
    n_estimators, learning_rate, max_depth, min_samples_leaf, subsample :
        Gradient boosting of the remaining log-ratio.
    random_state : int
        Seed of the folds and the boosting.
    """

    def __init__(
        self,
        level: float = 0.8,
        prior_strength: float = 15.0,
        cv: int = 5,
        use_rate_fit: bool = True,
        f_scale: float = 0.05,
        n_estimators: int = 150,
        learning_rate: float = 0.05,
        max_depth: int = 2,
        min_samples_leaf: int = 3,
        subsample: float = 0.8,
        random_state: int = 0,
    ) -> None:
        self.level = level
        self.prior_strength = prior_strength
        self.cv = cv
        self.use_rate_fit = use_rate_fit
        self.f_scale = f_scale
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.subsample = subsample
        self.random_state = random_state

    def fit(self, X: Sequence[CostSample], y: npt.ArrayLike, prior: LogRatioModel | None = None
            ) -> "CostRatioRegressor":
        """Fit on priced lines; ``prior``: a fitted ``MarketplacePrior`` (or another fitted model with
        ``predict_log_ratio`` and ``residual_lo_``/``residual_hi_``) to blend with, kept inside."""
        X = list(X)
        prices = self._checked(X, y, prior)
        rule = rule_totals_eur(X)
        z = np.log(prices / rule)
        self.prior_ = prior
        self.n_samples_ = len(X)
        self.core_ = _Core(self, X, z, prices)
        self.vectorizer_ = self.core_.vectorizer
        self.feature_names_in_ = self.vectorizer_.get_feature_names_out()
        self.training_sha256_ = training_hash(X, prices)

        # out-of-fold predictions: the blend weight, the intervals and the cross-validated errors
        k = min(self.cv, len(X))
        own_oof = np.zeros(len(X))
        fold_of = np.zeros(len(X), dtype=np.int64)
        self.fold_cores_ = []
        folds = KFold(n_splits=k, shuffle=True, random_state=self.random_state)
        for j, (train, test) in enumerate(folds.split(np.arange(len(X)))):
            core = _Core(self, [X[i] for i in train], z[train], prices[train])
            own_oof[test] = core.predict([X[i] for i in test])
            fold_of[test] = j
            self.fold_cores_.append(core)
        self.fold_of_ = fold_of
        self.weight_ = 1.0
        oof = own_oof
        if prior is not None:
            prior_z = prior.predict_log_ratio(X)
            self.weight_ = self._choose_weight(z, own_oof, prior_z)
            oof = self.weight_ * own_oof + (1.0 - self.weight_) * prior_z
        self.oof_log_ratio_ = oof
        self.oof_price_eur_ = rule * np.exp(oof)
        residuals = z - oof
        self.oof_residuals_ = residuals
        self.conformal_ = len(X) >= MIN_CONFORMAL_SAMPLES
        if self.conformal_:
            # the same order statistics around the final model: a summary of the spread (reports, priors)
            lo_rank, hi_rank = self._ranks(len(X))
            ordered = np.sort(residuals)
            lo, hi = ordered[lo_rank], ordered[hi_rank]
        elif prior is not None:
            lo, hi = prior.residual_lo_, prior.residual_hi_
        else:
            lo, hi = -DEFAULT_LOG_HALF_WIDTH, DEFAULT_LOG_HALF_WIDTH
        self.residual_lo_ = float(min(lo, 0.0))
        self.residual_hi_ = float(max(hi, 0.0))
        return self

    def _checked(self, X: list[CostSample], y: npt.ArrayLike, prior: LogRatioModel | None) -> FloatArray:
        """The prices as an array, after checking samples, prices, level and prior (clear ``ModelError``s)."""
        check_samples(X)
        prices = np.asarray(y, dtype=np.float64)
        if prices.shape != (len(X),):
            raise ModelError(f"{len(X)} samples but {prices.shape} prices: give one price per sample")
        if len(X) < 5:
            raise ModelError(f"a cost model needs at least 5 priced jobs, got {len(X)}: add more history")
        if not np.all(np.isfinite(prices)) or np.any(prices <= 0):
            raise ModelError("every price must be a positive number of EUR")
        if not 0 < self.level < 1:
            raise ModelError(f"level {self.level!r} must be between 0 and 1, e.g. 0.8")
        if prior is not None:
            check_is_fitted(prior, "residual_lo_")
        return prices

    def _ranks(self, n: int) -> tuple[int, int]:
        """0-based ranks of the two-sided conformal bounds among n values (``models.compact.conformal_ranks``)."""
        return conformal_ranks(n, self.level)

    def _choose_weight(self, z: FloatArray, own: FloatArray, prior_z: FloatArray) -> float:
        """Weight of the own model: out-of-fold error of each blend, plus a pull toward the prior of
        ``prior_strength / (n + prior_strength)`` (a little history leans on the marketplace)."""
        n = len(z)
        pull = self.prior_strength / (n + self.prior_strength)
        grid = np.linspace(0.0, 1.0, 21)
        errors = np.array([np.mean(np.abs(z - (w * own + (1 - w) * prior_z))) for w in grid])
        # among blends within one standard error of the best, the one closest to n / (n + prior_strength)
        best = errors.min()
        se = np.std(np.abs(z - own)) / np.sqrt(n)
        ok = grid[errors <= best + se]
        return float(ok[np.argmin(np.abs(ok - (1.0 - pull)))])

    def _blend(self, own: FloatArray, X: Sequence[CostSample], w: float) -> FloatArray:
        if self.prior_ is None or w >= 1.0:
            return own
        return w * own + (1.0 - w) * self.prior_.predict_log_ratio(X)

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray:
        """``log(price / rule price)`` for each sample."""
        check_is_fitted(self, "core_")
        X = list(X)
        check_samples(X)
        return self._blend(self.core_.predict(X), X, self.weight_)

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        """The predicted price of each line [EUR]."""
        rule = rule_totals_eur(X)
        return rule * np.exp(self.predict_log_ratio(X))

    def predict_log_interval(self, X: Sequence[CostSample]) -> tuple[FloatArray, FloatArray]:
        """(low, high) bounds of ``log(price / rule price)`` at the nominal ``level`` (CV+, see the module)."""
        check_is_fitted(self, "fold_cores_")
        return log_interval(self, X, self.fold_cores_)

    def predict_interval(self, X: Sequence[CostSample]) -> tuple[FloatArray, FloatArray]:
        """(low, high) price bounds [EUR] at the nominal ``level``."""
        rule = rule_totals_eur(X)
        lo, hi = self.predict_log_interval(X)
        return rule * np.exp(lo), rule * np.exp(hi)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.get_feature_names_out()

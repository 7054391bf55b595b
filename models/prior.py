"""The marketplace-wide prior: what a workshop's prices probably are before it has much history.

``MarketplacePrior`` fits one ``CostRatioRegressor`` per workshop of the
marketplace and predicts the median of their log price ratios: every model is
relative to its own card (see ``models.ratefit``), so the median is a
card-relative habit shared by most workshops, and one workshop with an odd
pricing habit does not move it. Its interval bounds come from
leave-one-workshop-out residuals: how far a workshop it has not seen is from
the median of the others.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.utils.validation import check_is_fitted

from models._typing import BaseEstimator, FloatArray
from models.errors import ModelError
from models.regressor import CostRatioRegressor
from models.samples import CostSample, check_samples, rule_totals_eur, training_hash

PRIOR_FORMAT = "microfab.costprior/1"


class MarketplacePrior(BaseEstimator):
    """Median of per-workshop cost models; ``fit(X, y, groups)`` with ``groups`` the workshop ids.

    Parameters
    ----------
    level : float
        Nominal coverage of the intervals.
    min_jobs : int
        Workshops with fewer jobs are left out.
    params : dict or None
        Parameters of each workshop's ``CostRatioRegressor``.
    """

    def __init__(self, level: float = 0.8, min_jobs: int = 10, params: dict[str, Any] | None = None) -> None:
        self.level = level
        self.min_jobs = min_jobs
        self.params = params

    def fit(self, X: Sequence[CostSample], y: npt.ArrayLike, groups: Sequence[str],
            fitted: Mapping[str, CostRatioRegressor] | None = None) -> "MarketplacePrior":
        """Fit a model per workshop (``groups``: workshop id of each sample); ``fitted``: models already
        fitted on exactly those samples, by workshop id, to reuse."""
        X = list(X)
        check_samples(X)
        prices = np.asarray(y, dtype=np.float64)
        g = np.asarray(groups, dtype=object)
        if not len(X) == len(prices) == len(g):
            raise ModelError("give one price and one workshop id per sample")
        names = sorted(k for k in set(g.tolist()) if int(np.sum(g == k)) >= self.min_jobs)
        if len(names) < 2:
            raise ModelError(f"a marketplace prior needs at least 2 workshops with {self.min_jobs} jobs or more")
        self.workshops_ = names
        self.models_: list[CostRatioRegressor] = []
        for name in names:
            idx = np.flatnonzero(g == name)
            if fitted is not None and name in fitted:
                self.models_.append(fitted[name])
                continue
            est = CostRatioRegressor(**dict(self.params or {}), level=self.level)
            self.models_.append(est.fit([X[i] for i in idx], prices[idx]))
        # leave-one-workshop-out residuals: the spread for a workshop the prior has not seen
        residuals = []
        rule = rule_totals_eur(X)
        z = np.log(prices / rule)
        for k, name in enumerate(names):
            idx = np.flatnonzero(g == name)
            held = [X[i] for i in idx]
            others = np.median([m.predict_log_ratio(held) for j, m in enumerate(self.models_) if j != k], axis=0)
            residuals.append(z[idx] - others)
        r = np.concatenate(residuals)
        alpha = 1.0 - self.level
        lo, hi = np.quantile(r, [alpha / 2, 1 - alpha / 2])
        self.residual_lo_ = float(min(lo, 0.0))
        self.residual_hi_ = float(max(hi, 0.0))
        self.n_samples_ = len(X)
        self.training_sha256_ = training_hash(X, prices)
        return self

    def predict_log_ratio(self, X: Sequence[CostSample]) -> FloatArray:
        check_is_fitted(self, "models_")
        X = list(X)
        return np.median([m.predict_log_ratio(X) for m in self.models_], axis=0)

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        rule = rule_totals_eur(X)
        return rule * np.exp(self.predict_log_ratio(X))

    def predict_interval(self, X: Sequence[CostSample]) -> tuple[FloatArray, FloatArray]:
        rule = rule_totals_eur(X)
        z = self.predict_log_ratio(X)
        return rule * np.exp(z + self.residual_lo_), rule * np.exp(z + self.residual_hi_)


def save_prior(prior: MarketplacePrior, path: str | os.PathLike[str]) -> Path:
    """Write the prior as a skops file with its metadata."""
    import skops.io as sio

    from models.cost_model import library_versions

    check_is_fitted(prior, "models_")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": PRIOR_FORMAT, "versions": library_versions(), "workshops": list(prior.workshops_),
            "training_sha256": prior.training_sha256_, "n_jobs": int(prior.n_samples_),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    tmp = p.with_suffix(".tmp")
    sio.dump({"meta": meta, "prior": prior}, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(p)
    return p


def load_prior(path: str | os.PathLike[str]) -> MarketplacePrior:
    """Read a prior written by ``save_prior``, refusing a mismatched one."""
    from models.cost_model import library_versions, read_skops

    doc = read_skops(Path(path))
    meta, prior = doc.get("meta", {}), doc.get("prior")
    again = "re-fit the marketplace prior (quoting.calibration.fit_prior)"
    if meta.get("format") != PRIOR_FORMAT or not isinstance(prior, MarketplacePrior):
        raise ModelError(f"{path}: not a {PRIOR_FORMAT} file: {again}", file=str(path))
    saved, now = meta.get("versions", {}).get("scikit-learn", "?"), library_versions()["scikit-learn"]
    if saved.split(".")[:2] != now.split(".")[:2]:
        raise ModelError(f"{path}: prior fitted with scikit-learn {saved}, this is {now}: {again}", file=str(path))
    if meta.get("training_sha256") != prior.training_sha256_:
        raise ModelError(f"{path}: the training-data hash does not match the prior: {again}", file=str(path))
    return prior

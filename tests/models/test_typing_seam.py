"""The typing seam (models._typing): the estimators stay scikit-learn's at run time."""

from __future__ import annotations

import numpy as np
import sklearn.base

from models import CostRatioRegressor, CostVectorizer, MarketplacePrior, RateCardCalibrator, _typing
from models.samples import rule_totals_eur
from tests.models.synth import dataset


def test_base_classes_are_sklearn_s_own() -> None:
    assert _typing.BaseEstimator is sklearn.base.BaseEstimator
    assert _typing.RegressorMixin is sklearn.base.RegressorMixin
    assert _typing.TransformerMixin is sklearn.base.TransformerMixin
    for cls in (CostRatioRegressor, MarketplacePrior, RateCardCalibrator):
        assert issubclass(cls, sklearn.base.BaseEstimator)
    assert sklearn.base.is_regressor(CostRatioRegressor()) and sklearn.base.is_regressor(RateCardCalibrator())
    assert issubclass(CostVectorizer, sklearn.base.TransformerMixin)


def test_rule_totals_are_a_float64_vector() -> None:
    samples, _ = dataset(6, seed=3)
    totals = rule_totals_eur(samples)
    assert totals.dtype == np.float64 and totals.shape == (6,)
    assert totals.tolist() == [s.rule_total_eur for s in samples]

"""The scikit-learn estimator contract, feature names, rate recovery and interval coverage on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from geometry.errors import ModelError
from models import (
    NUMERIC_FEATURES,
    CostRatioRegressor,
    CostSample,
    CostVectorizer,
    RateCardCalibrator,
    coverage,
    mape,
    median_ape,
)
from tests.models.synth import TRUE, dataset

FAST = {"n_estimators": 60}


@pytest.fixture(scope="module")
def data() -> tuple[list[CostSample], np.ndarray]:
    return dataset(160, seed=1)


@pytest.mark.parametrize("make", [CostVectorizer, RateCardCalibrator, lambda: CostRatioRegressor(**FAST)])
def test_fit_returns_self_and_predict_before_fit_raises(make, data) -> None:
    samples, prices = data
    est = make()
    use = getattr(est, "transform", None) or est.predict
    with pytest.raises(NotFittedError):
        use(samples[:3])
    assert est.fit(samples[:60], prices[:60]) is est
    out = (est.transform if hasattr(est, "transform") else est.predict)(samples[60:65])
    assert len(out) == 5


@pytest.mark.parametrize("make", [CostVectorizer, RateCardCalibrator, CostRatioRegressor])
def test_init_stores_params_only_and_clones(make) -> None:
    est = make()
    assert not [k for k in vars(est) if k.endswith("_")]
    assert clone(est).get_params() == est.get_params()


def test_vectorizer_feature_names_are_stable(data) -> None:
    samples, _ = data
    a = CostVectorizer().fit(samples[:80])
    b = CostVectorizer().fit(list(reversed(samples[:80])))
    names = list(a.get_feature_names_out())
    assert names == list(b.get_feature_names_out())
    assert names[: len(NUMERIC_FEATURES)] == list(NUMERIC_FEATURES)
    assert "material=al6061" in names and "process=cnc_milling" in names
    m = a.transform(samples[80:90])
    assert m.shape == (10, len(names)) and m.dtype == np.float64 and np.all(np.isfinite(m))


def test_vectorizer_refuses_samples_without_required_context(data) -> None:
    samples, _ = data
    bad = CostSample(samples[0].features, {"process": "cnc_milling"}, 10.0)
    with pytest.raises(ModelError, match="quantity"):
        CostVectorizer().fit([bad])


def test_regressor_needs_enough_positive_prices(data) -> None:
    samples, prices = data
    with pytest.raises(ModelError, match="at least 5"):
        CostRatioRegressor().fit(samples[:3], prices[:3])
    with pytest.raises(ModelError, match="positive"):
        CostRatioRegressor().fit(samples[:10], -prices[:10])


def test_calibration_recovers_known_rates() -> None:
    samples, prices = dataset(120, seed=2, noise_sd=0.02)
    implied = RateCardCalibrator().fit(samples, prices).implied_
    (proc,) = implied.processes
    assert proc.rate_eur_h == pytest.approx(TRUE["rate_eur_h"], rel=0.06)
    assert proc.setup_rate_eur_h == pytest.approx(TRUE["setup_rate_eur_h"], rel=0.06)
    assert proc.card_rate_eur_h == pytest.approx(75.0)
    assert implied.material_markup_fraction == pytest.approx(TRUE["markup_fraction"], abs=0.1)
    text = " ".join(implied.sentences())
    assert "your prices imply 9" in text and "your card says 75 EUR/h" in text


def test_calibrated_beats_rule_and_intervals_cover_about_80_percent() -> None:
    """Seeded statistical check: 80 % intervals hold 70-90 % of 600 held-out prices."""
    samples, prices = dataset(700, seed=3, noise_sd=0.08)
    train, test = slice(0, 100), slice(100, 700)
    m = CostRatioRegressor(**FAST).fit(samples[train], prices[train])
    pred = m.predict(samples[test])
    low, high = m.predict_interval(samples[test])
    rule = np.array([s.rule_total_eur for s in samples[test]])
    assert mape(prices[test], pred) < 0.5 * mape(prices[test], rule)
    assert median_ape(prices[test], pred) < 0.1
    assert 0.7 <= coverage(prices[test], low, high) <= 0.9
    assert np.all(low <= pred) and np.all(pred <= high)


def test_prior_blend_helps_a_small_history() -> None:
    samples, prices = dataset(400, seed=4, noise_sd=0.05)
    prior = CostRatioRegressor(**FAST).fit(samples[:200], prices[:200])
    few = slice(200, 208)
    alone = CostRatioRegressor(**FAST).fit(samples[few], prices[few])
    blended = CostRatioRegressor(**FAST).fit(samples[few], prices[few], prior=prior)
    test = slice(250, 400)
    assert blended.prior_ is prior and 0.0 <= blended.weight_ <= 1.0
    assert mape(prices[test], blended.predict(samples[test])) <= mape(prices[test], alone.predict(samples[test]))

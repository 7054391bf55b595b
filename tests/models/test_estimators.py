"""The scikit-learn estimator contract, feature names, rate recovery and interval coverage on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

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
from models.errors import ModelError
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


def test_calibrated_beats_rule_and_intervals_hold_the_point() -> None:
    samples, prices = dataset(700, seed=3, noise_sd=0.08)
    train, test = slice(0, 100), slice(100, 700)
    m = CostRatioRegressor(**FAST).fit(samples[train], prices[train])
    pred = m.predict(samples[test])
    low, high = m.predict_interval(samples[test])
    rule = np.array([s.rule_total_eur for s in samples[test]])
    assert mape(prices[test], pred) < 0.5 * mape(prices[test], rule)
    assert median_ape(prices[test], pred) < 0.1
    assert np.all(low <= pred) and np.all(pred <= high)
    # one draw of 100 jobs (measured 78 %); a single draw varies by about +-4 %
    assert 0.7 <= coverage(prices[test], low, high) <= 0.88


def test_intervals_of_50_jobs_cover_80_percent_over_draws_without_inflating() -> None:
    """Seeded statistical check over 8 independent histories of 50 jobs (8 % log-normal noise), each
    tested on 300 new prices: the mean coverage is 80 % (measured 84 %; CV+ errs a little on the wide
    side, the standard error of the mean of 8 draws is about 2 %), and the mean width stays close to the
    noise alone (an oracle's 80 % interval is 2 sinh(1.28 * 0.08) = 20.6 % of the price wide)."""
    covs, widths = [], []
    for seed in range(8):
        samples, prices = dataset(350, seed=100 + seed, noise_sd=0.08)
        m = CostRatioRegressor(**FAST, random_state=seed).fit(samples[:50], prices[:50])
        low, high = m.predict_interval(samples[50:])
        covs.append(coverage(prices[50:], low, high))
        widths.append(float(np.mean((high - low) / prices[50:])))
    assert 0.76 <= np.mean(covs) <= 0.88
    assert min(covs) >= 0.65
    assert 0.206 <= np.mean(widths) <= 0.3


def test_cv_plus_bounds_match_a_naive_loop(data) -> None:
    """The vectorized CV+ bounds equal the textbook definition: order statistics of
    mu_{-k(i)}(x) + R_i at ranks floor((n+1) alpha/2) and ceil((n+1)(1 - alpha/2))."""
    samples, prices = data
    n = 40
    m = CostRatioRegressor(**FAST).fit(samples[:n], prices[:n])
    new = samples[100:110]
    lo, hi = m.predict_log_interval(new)
    z = m.predict_log_ratio(new)
    k_lo, k_hi = int(np.floor((n + 1) * 0.1)), int(np.ceil((n + 1) * 0.9))
    for j, x in enumerate(new):
        values = sorted(float(m.fold_cores_[m.fold_of_[i]].predict([x])[0]) + float(m.oof_residuals_[i])
                        for i in range(n))
        assert lo[j] == pytest.approx(min(values[k_lo - 1], z[j]))
        assert hi[j] == pytest.approx(max(values[k_hi - 1], z[j]))


def test_small_history_without_prior_gets_the_default_interval(data) -> None:
    samples, prices = data
    m = CostRatioRegressor(**FAST).fit(samples[:8], prices[:8])
    lo, hi = m.predict_log_interval(samples[50:55])
    z = m.predict_log_ratio(samples[50:55])
    np.testing.assert_allclose(hi - z, 0.3)
    np.testing.assert_allclose(z - lo, 0.3)


def test_prior_blend_helps_a_small_history() -> None:
    samples, prices = dataset(400, seed=4, noise_sd=0.05)
    prior = CostRatioRegressor(**FAST).fit(samples[:200], prices[:200])
    few = slice(200, 208)
    alone = CostRatioRegressor(**FAST).fit(samples[few], prices[few])
    blended = CostRatioRegressor(**FAST).fit(samples[few], prices[few], prior=prior)
    test = slice(250, 400)
    assert blended.prior_ is prior and 0.0 <= blended.weight_ <= 1.0
    assert mape(prices[test], blended.predict(samples[test])) <= mape(prices[test], alone.predict(samples[test]))

"""Save/load with skops: round trip, and refusal of mismatched or foreign files."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio

from models import CostRatioRegressor, Prediction, WorkshopCostModel, load_cost_model, load_cost_models
from models.cost_model import MODEL_FORMAT
from models.errors import ModelError
from tests.models.synth import dataset


@pytest.fixture(scope="module")
def fitted() -> tuple[WorkshopCostModel, list, np.ndarray]:
    samples, prices = dataset(80, seed=5)
    est = CostRatioRegressor(n_estimators=40).fit(samples[:60], prices[:60])
    return WorkshopCostModel.build("lyon-usinage", est), samples, prices


def test_round_trip_predicts_the_same(fitted, tmp_path) -> None:
    model, samples, _ = fitted
    path = model.save(tmp_path)
    assert path.name == "lyon-usinage.skops"
    back = load_cost_model(path)
    assert back.meta["format"] == MODEL_FORMAT
    assert back.meta["feature_names"] == [str(n) for n in model.estimator.get_feature_names_out()]
    assert back.meta["training_sha256"] == model.estimator.training_sha256_
    assert {"scikit-learn", "skops", "numpy"} <= set(back.meta["versions"])
    np.testing.assert_allclose(back.estimator.predict(samples[60:]), model.estimator.predict(samples[60:]))
    s = samples[61]
    p = back.predict(s.features, s.context, s.rule_total_eur)
    assert isinstance(p, Prediction)
    total, low, high, level = p  # the engine unpacks it
    assert low <= total <= high and level == pytest.approx(0.8)
    assert load_cost_models(tmp_path).keys() == {"lyon-usinage"}
    assert load_cost_models(tmp_path / "absent") == {}


def _rewrite(model: WorkshopCostModel, tmp_path, **meta_changes) -> object:
    path = model.save(tmp_path)
    doc = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    doc["meta"].update(meta_changes)
    sio.dump(doc, path)
    return path


@pytest.mark.parametrize(("change", "match"), [
    ({"versions": {"scikit-learn": "0.24.2"}}, "scikit-learn 0.24.2"),
    ({"feature_names": ["log_volume_mm3"]}, "feature names"),
    ({"training_sha256": "0" * 64}, "training-data hash"),
    ({"format": "other/1"}, "format"),
    ({"format": "microfab.costmodel/2"}, "format 'microfab.costmodel/2', expected 'microfab.costmodel/3'"),
])
def test_mismatched_model_is_refused(fitted, tmp_path, change, match) -> None:
    model, _, _ = fitted
    path = _rewrite(model, tmp_path, **change)
    with pytest.raises(ModelError, match=match) as err:
        load_cost_model(path)
    assert "microfab calibrate" in err.value.message


def test_expected_training_hash_is_checked(fitted, tmp_path) -> None:
    model, _, _ = fitted
    path = model.save(tmp_path)
    assert load_cost_model(path, training_sha256=model.estimator.training_sha256_)
    with pytest.raises(ModelError, match="other data"):
        load_cost_model(path, training_sha256="f" * 64)


def test_garbage_file_is_refused(tmp_path) -> None:
    path = tmp_path / "x.skops"
    path.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable cost model"):
        load_cost_model(path)


def test_prior_round_trip_and_blended_model_round_trip(tmp_path) -> None:
    from models import MarketplacePrior, load_prior, save_prior

    samples, prices = dataset(90, seed=6)
    groups = ["a"] * 30 + ["b"] * 30 + ["c"] * 30
    prior = MarketplacePrior(params={"n_estimators": 30}).fit(samples, prices, groups)
    assert prior.workshops_ == ["a", "b", "c"] and prior.residual_lo_ <= 0 <= prior.residual_hi_
    back = load_prior(save_prior(prior, tmp_path / "_marketplace-prior.skops"))
    np.testing.assert_allclose(back.predict(samples[:5]), prior.predict(samples[:5]))
    est = CostRatioRegressor(n_estimators=30).fit(samples[:12], prices[:12], prior=back)
    model = load_cost_model(WorkshopCostModel.build("w", est).save(tmp_path))
    assert model.meta["prior"] is True and "marketplace prior" in model.version
    np.testing.assert_allclose(model.estimator.predict(samples[50:]), est.predict(samples[50:]))
    assert load_cost_models(tmp_path).keys() == {"w"}  # the prior file is not a workshop

"""Compact cost models: the same prices as the fitted regressor to the last bit, loaded without scikit-learn."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models import CostRatioRegressor, MarketplacePrior, WorkshopCostModel, load_cost_model
from models.compact import CompactRegressor
from models.compact_io import compact_model, compact_path, read_compact
from models.errors import ModelError
from tests.models.synth import dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prior() -> MarketplacePrior:
    samples, prices = dataset(90, seed=6)
    return MarketplacePrior(params={"n_estimators": 30}).fit(samples, prices, ["a"] * 30 + ["b"] * 30 + ["c"] * 30)


@pytest.fixture(scope="module")
def blended(prior) -> CostRatioRegressor:
    samples, prices = dataset(40, seed=8)
    return CostRatioRegressor(n_estimators=40).fit(samples, prices, prior=prior)


@pytest.mark.parametrize(("n_jobs", "with_prior"), [(6, False), (11, False), (40, False), (40, True), (12, True)])
def test_compact_predictions_are_bit_identical(prior, n_jobs, with_prior) -> None:
    samples, prices = dataset(n_jobs + 60, seed=n_jobs)
    est = CostRatioRegressor(n_estimators=40).fit(samples[:n_jobs], prices[:n_jobs],
                                                  prior=prior if with_prior else None)
    compact = compact_model(est)
    held = samples[n_jobs:] + dataset(30, seed=99)[0]  # other parts, other processes' contexts too
    assert np.array_equal(compact.predict_log_ratio(held), est.predict_log_ratio(held))
    assert np.array_equal(compact.predict(held), est.predict(held))
    for mine, theirs in zip(compact.predict_interval(held), est.predict_interval(held), strict=True):
        assert np.array_equal(mine, theirs)


def test_save_writes_a_small_compact_file_that_loads_without_scikit_learn(blended, tmp_path) -> None:
    path = WorkshopCostModel.build("lyon-usinage", blended).save(tmp_path)
    compact = compact_path(path)
    assert compact.name == "lyon-usinage.npz" and compact.stat().st_size < path.stat().st_size / 10
    model = load_cost_model(path)
    assert isinstance(model.estimator, CompactRegressor)
    assert model.version == WorkshopCostModel.build("lyon-usinage", blended).version
    samples = dataset(20, seed=3)[0]
    assert np.array_equal(model.estimator.predict(samples), blended.predict(samples))
    code = ("import sys; from models import load_cost_model; m = load_cost_model(sys.argv[1]); "
            "print(type(m.estimator).__name__, sorted(k for k in ('sklearn', 'skops', 'scipy') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert out.stdout.split() == ["CompactRegressor", "[]"]


def test_an_archive_without_compact_file_is_read_then_compacted(blended, tmp_path) -> None:
    path = WorkshopCostModel.build("w", blended).save(tmp_path)
    compact_path(path).unlink()  # what a model stored before compact files looks like
    first = load_cost_model(path)
    assert isinstance(first.estimator, CostRatioRegressor) and compact_path(path).is_file()
    again = load_cost_model(path)
    assert isinstance(again.estimator, CompactRegressor)
    samples = dataset(10, seed=4)[0]
    assert np.array_equal(again.estimator.predict_interval(samples)[0], blended.predict_interval(samples)[0])


def test_a_compact_file_of_another_archive_is_not_used(blended, tmp_path) -> None:
    path = WorkshopCostModel.build("w", blended).save(tmp_path)
    stale = tmp_path / "stale.npz"
    shutil.copy(compact_path(path), stale)
    samples, prices = dataset(30, seed=12)
    newer = CostRatioRegressor(n_estimators=20).fit(samples, prices)
    WorkshopCostModel.build("w", newer).save(tmp_path)
    shutil.copy(stale, compact_path(path))  # an old compact file beside the new archive
    model = load_cost_model(path)
    assert isinstance(model.estimator, CostRatioRegressor)
    assert np.array_equal(model.estimator.predict(samples), newer.predict(samples))
    assert read_compact(compact_path(path))[0]["training_sha256"] == newer.training_sha256_  # compacted again


def test_a_copied_archive_keeps_its_compact_file(blended, tmp_path) -> None:
    path = WorkshopCostModel.build("w", blended).save(tmp_path / "a")
    copy = tmp_path / "b"
    copy.mkdir()
    shutil.copy(path, copy / path.name)  # new modification time, same bytes
    shutil.copy(compact_path(path), copy / compact_path(path).name)
    assert isinstance(load_cost_model(copy / path.name).estimator, CompactRegressor)


def test_a_damaged_compact_file_falls_back_to_the_archive(blended, tmp_path) -> None:
    path = WorkshopCostModel.build("w", blended).save(tmp_path)
    compact_path(path).write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable compact cost model"):
        read_compact(compact_path(path))
    assert isinstance(load_cost_model(path).estimator, CostRatioRegressor)
    assert isinstance(load_cost_model(path).estimator, CompactRegressor)


def test_a_compact_model_is_not_saved_again(blended, tmp_path) -> None:
    model = load_cost_model(WorkshopCostModel.build("w", blended).save(tmp_path))
    with pytest.raises(ModelError, match="microfab calibrate"):
        model.save(tmp_path / "other")

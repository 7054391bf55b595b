"""Learned cost models: featurize, fit, predict with intervals, save/load, evaluate.

- ``CostSample``: a priced line (``PartFeatures``, the engine's context dict, rule total).
- ``CostVectorizer``: samples to a fixed-order matrix with ``get_feature_names_out``.
- ``CostRatioRegressor``: log(price / rule price) by rate calibration + gradient
  boosting, blended with a marketplace prior, conformal intervals.
- ``MarketplacePrior``: median of per-workshop models, for workshops with little history.
- ``RateCardCalibrator``: the rates, markup and margin a workshop's prices imply.
- ``WorkshopCostModel`` / ``load_cost_models``: what the quote engine calls,
  ``predict(features, context, rule_total_eur) -> Prediction``; loaded from the
  compact form beside each skops archive (``models.compact``: numpy only, the
  same predictions to the bit), so quoting imports no scikit-learn.
- ``mape``, ``median_ape``, ``coverage``: evaluation.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.cost_model import (
        MODEL_FORMAT,
        Prediction,
        WorkshopCostModel,
        load_cost_model,
        load_cost_models,
    )
    from models.evaluate import coverage, mape, median_ape
    from models.prior import MarketplacePrior, load_prior, save_prior
    from models.ratefit import ImpliedCard, ImpliedRates, RateCardCalibrator
    from models.regressor import CostRatioRegressor
    from models.samples import CostSample, normalize_context
    from models.vectorize import NUMERIC_FEATURES, CostVectorizer

#: where each public name lives: imported on first use (PEP 562), so that ``import models.errors`` (the API's
#: error codes) does not import scikit-learn
_HOMES = {
    "MODEL_FORMAT": "cost_model", "Prediction": "cost_model", "WorkshopCostModel": "cost_model",
    "load_cost_model": "cost_model", "load_cost_models": "cost_model",
    "coverage": "evaluate", "mape": "evaluate", "median_ape": "evaluate",
    "MarketplacePrior": "prior", "load_prior": "prior", "save_prior": "prior",
    "ImpliedCard": "ratefit", "ImpliedRates": "ratefit", "RateCardCalibrator": "ratefit",
    "CostRatioRegressor": "regressor",
    "CostSample": "samples", "normalize_context": "samples",
    "NUMERIC_FEATURES": "vectorize", "CostVectorizer": "vectorize",
}

__all__ = [
    "CostRatioRegressor",
    "CostSample",
    "CostVectorizer",
    "ImpliedCard",
    "ImpliedRates",
    "MODEL_FORMAT",
    "MarketplacePrior",
    "NUMERIC_FEATURES",
    "Prediction",
    "RateCardCalibrator",
    "WorkshopCostModel",
    "coverage",
    "load_cost_model",
    "load_cost_models",
    "load_prior",
    "mape",
    "median_ape",
    "normalize_context",
    "save_prior",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"models.{home}"), name)
    globals()[name] = value
    return value

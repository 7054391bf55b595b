"""Calibrate a workshop's cost model on its real past prices.

Reads a history CSV (``quoting.calibration_history``), measures and prices each
past job as the quote engine would (``quoting.calibration_samples``: the same
``quoting.pricing.price_line``), fits a ``models.CostRatioRegressor``,
cross-validates it and stores it where ``microfab quote`` finds it
(``<model dir>/<workshop id>.skops``). The names of the history and samples
modules are re-exported here.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geometry import MeasureCache
from models import (
    CostRatioRegressor,
    CostSample,
    ImpliedCard,
    RateCardCalibrator,
    WorkshopCostModel,
    coverage,
    mape,
    median_ape,
)
from models.prior import MarketplacePrior, save_prior
from models.prior import load_prior as read_prior
from quoting.calibration_history import HistoryRow, RowProblem, read_history
from quoting.calibration_samples import Lookup, build_samples, rule_sample
from quoting.errors import HistoryError, NotFoundError
from quoting.ratecard import RateCard
from quoting.workshops import load_workshops

#: file name of the marketplace-wide prior inside the model folder
PRIOR_FILE = "_marketplace-prior.skops"
#: fewest usable jobs a calibration accepts (a model needs 5, cross-validation one more)
MIN_JOBS = 6


def default_model_dir() -> Path:
    """``$MICROFAB_MODEL_DIR`` or ``var/models``."""
    return Path(os.environ.get("MICROFAB_MODEL_DIR", "var/models"))


@dataclass(frozen=True)
class HeldOut:
    """One job as cross-validation predicted it without seeing it (for the owner's plots) [EUR]."""

    process: str
    charged_eur: float
    rule_eur: float
    predicted_eur: float
    low_eur: float
    high_eur: float


@dataclass(frozen=True)
class CrossValidation:
    """Held-out errors of k-fold cross-validation (fractions: 0.1 = 10 %), and each held-out prediction."""

    folds: int
    rule_mape: float
    rule_median_ape: float
    calibrated_mape: float
    calibrated_median_ape: float
    coverage: float
    level: float
    held_out: tuple[HeldOut, ...] = ()


def cross_validate(samples: Sequence[CostSample], prices: Sequence[float], folds: int = 5,
                   prior: MarketplacePrior | None = None, params: Mapping[str, Any] | None = None,
                   seed: int = 0) -> CrossValidation:
    """Fit on k-1 folds, predict the held-out fold (price and interval), for every fold."""
    from sklearn.model_selection import KFold

    y = np.asarray(prices, dtype=np.float64)
    n = len(samples)
    k = min(folds, n)
    if n - math.ceil(n / k) < MIN_JOBS - 1:  # every training fold needs enough jobs: leave one out
        k = n
    pred, low, high = np.zeros(n), np.zeros(n), np.zeros(n)
    est = CostRatioRegressor(**dict(params or {}))
    for train, test in KFold(n_splits=k, shuffle=True, random_state=seed).split(np.arange(n)):
        m = CostRatioRegressor(**est.get_params()).fit([samples[i] for i in train], y[train], prior=prior)
        held = [samples[i] for i in test]
        pred[test] = m.predict(held)
        lo, hi = m.predict_interval(held)
        low[test], high[test] = lo, hi
    truth, rule = list(prices), [s.rule_total_eur for s in samples]
    return CrossValidation(
        folds=k,
        rule_mape=mape(truth, rule),
        rule_median_ape=median_ape(truth, rule),
        calibrated_mape=mape(truth, pred.tolist()),
        calibrated_median_ape=median_ape(truth, pred.tolist()),
        coverage=coverage(truth, low.tolist(), high.tolist()),
        level=est.level,
        held_out=tuple(HeldOut(s.text("process"), float(t), float(r), float(p), float(lo), float(hi))
                       for s, t, r, p, lo, hi in zip(samples, truth, rule, pred, low, high, strict=True)),
    )


@dataclass(frozen=True)
class CalibrationResult:
    workshop_id: str
    history: str
    rows: int
    used: int
    problems: list[RowProblem]
    cv: CrossValidation
    implied: ImpliedCard
    model: WorkshopCostModel
    model_path: Path | None = None
    prior_used: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (a figure that cannot be computed is null)."""
        data: dict[str, Any] = _finite({
            "workshop_id": self.workshop_id,
            "history": self.history,
            "rows": self.rows,
            "used": self.used,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "cross_validation": dataclasses.asdict(self.cv),
            "implied_card": dataclasses.asdict(self.implied),
            "implied_card_text": self.implied.sentences(),
            "model_path": str(self.model_path) if self.model_path is not None else None,
            "prior_used": self.prior_used,
            "training_sha256": self.model.estimator.training_sha256_,
            "notes": list(self.notes),
        })
        return data


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def load_prior(model_dir: str | os.PathLike[str]) -> MarketplacePrior | None:
    """The marketplace prior stored in ``model_dir`` (``_marketplace-prior.skops``), if any."""
    path = Path(model_dir) / PRIOR_FILE
    return read_prior(path) if path.is_file() else None


def fit_prior(samples: Sequence[CostSample], prices: Sequence[float], workshop_ids: Sequence[str],
              model_dir: str | os.PathLike[str] | None = None, **params: Any) -> MarketplacePrior:
    """Fit the marketplace-wide prior on every workshop's samples; store it in ``model_dir`` when given."""
    prior = MarketplacePrior(params=params or None).fit(list(samples), list(prices), list(workshop_ids))
    if model_dir is not None:
        save_prior(prior, Path(model_dir) / PRIOR_FILE)
    return prior


def fit_prior_from_histories(
    histories: Mapping[str, str | os.PathLike[str]],
    files_dir: str | os.PathLike[str] | None = None,
    workshops: Sequence[RateCard] | None = None,
    model_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[MarketplacePrior, list[RowProblem]]:
    """Read, price and pool several workshops' histories (``{workshop_id: csv}``) into the marketplace prior."""
    cache = MeasureCache(cache_dir)
    samples: list[CostSample] = []
    prices: list[float] = []
    groups: list[str] = []
    problems: list[RowProblem] = []
    for workshop_id, history in histories.items():
        card = find_card(workshop_id, workshops)
        rows, bad = read_history(history)
        files = Path(files_dir) if files_dir is not None else Path(history).resolve().parent
        s, p, _, more = build_samples(rows, card, files, None, cache)
        samples += s
        prices += p
        groups += [workshop_id] * len(s)
        problems += bad + more
    folder = Path(model_dir) if model_dir is not None else default_model_dir()
    return fit_prior(samples, prices, groups, folder), problems


def find_card(workshop_id: str, workshops: Sequence[RateCard] | None = None) -> RateCard:
    """The rate card of ``workshop_id`` among ``workshops`` (default: the workshops folder)."""
    cards = tuple(workshops) if workshops is not None else load_workshops()
    for card in cards:
        if card.id == workshop_id:
            return card
    known = ", ".join(c.id for c in cards)
    raise NotFoundError(f"no workshop {workshop_id!r}: use one of {known} (or --workshops FOLDER)",
                        workshop_id=workshop_id)


def calibrate(
    workshop_id: str,
    history: str | os.PathLike[str],
    files_dir: str | os.PathLike[str] | None = None,
    workshops: Sequence[RateCard] | None = None,
    model_dir: str | os.PathLike[str] | None = None,
    lookup: Lookup | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    save: bool = True,
    use_prior: bool = True,
    params: Mapping[str, Any] | None = None,
) -> CalibrationResult:
    """Read, price, fit, cross-validate and (``save``) store a workshop's cost model."""
    card = find_card(workshop_id, workshops)
    rows, bad_rows = read_history(history)
    files = Path(files_dir) if files_dir is not None else Path(history).resolve().parent
    samples, prices, used, more = build_samples(rows, card, files, lookup, MeasureCache(cache_dir))
    problems = sorted(bad_rows + more, key=lambda p: p.line)
    if len(samples) < MIN_JOBS:
        shown = "; ".join(str(p) for p in problems[:5])
        raise HistoryError(f"{history}: only {len(samples)} usable job(s), calibration needs at least {MIN_JOBS}"
                           + (f"; bad rows: {shown}" if shown else ""), bad_rows=[str(p) for p in problems])
    folder = Path(model_dir) if model_dir is not None else default_model_dir()
    prior = load_prior(folder) if use_prior else None
    cv = cross_validate(samples, prices, prior=prior, params=params)
    est = CostRatioRegressor(**dict(params or {})).fit(samples, prices, prior=prior)
    report = {"cross_validation": dataclasses.asdict(cv), "history_rows": len(rows) + len(bad_rows)}
    model = WorkshopCostModel.build(workshop_id, est, report)
    notes = []
    if len(samples) < 30:
        notes.append(f"only {len(samples)} jobs: intervals and the implied rates are rough; more history helps")
    return CalibrationResult(
        workshop_id=workshop_id,
        history=str(history),
        rows=len(rows) + len(bad_rows),
        used=len(samples),
        problems=problems,
        cv=cv,
        implied=implied_card(card, samples, prices, used),
        model=model,
        model_path=model.save(folder) if save else None,
        prior_used=prior is not None,
        notes=notes,
    )


def implied_card(card: RateCard, samples: Sequence[CostSample], prices: Sequence[float],
                 used: Sequence[HistoryRow]) -> ImpliedCard:
    """The rates the history implies; the card's material markup when the samples carry none."""
    implied = RateCardCalibrator().fit(samples, prices).implied_
    if not any("markup_fraction" in s.context for s in samples):
        implied = implied.with_card_markup(float(np.median([card.materials[r.material].markup_fraction
                                                            for r in used])))
    return implied


__all__ = [
    "MIN_JOBS",
    "PRIOR_FILE",
    "CalibrationResult",
    "CrossValidation",
    "HeldOut",
    "HistoryError",
    "HistoryRow",
    "RowProblem",
    "build_samples",
    "calibrate",
    "cross_validate",
    "default_model_dir",
    "find_card",
    "fit_prior",
    "fit_prior_from_histories",
    "implied_card",
    "load_prior",
    "read_history",
    "rule_sample",
]

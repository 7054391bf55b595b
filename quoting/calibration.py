"""Calibrate a workshop's cost model on its real past prices.

Reads a history CSV (format in the README, "## Calibration"), loads each CAD
file, computes its features and the rule-based price with the workshop's rate
card (the same ``quoting.pricing.price_line`` the quote engine runs), fits a
``models.CostRatioRegressor``, cross-validates it and stores it where
``microfab quote`` finds it (``<model dir>/<workshop id>.skops``).

History CSV columns: ``file`` (path relative to the files folder, or the
sha256 of a stored part), ``process``, ``material``, ``quantity``,
``price_eur`` (total of the line); optional ``lead_time_days``, ``date``,
``finish``, ``tolerance``. Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geometry import MeasureCache, measure
from geometry.errors import InputError, MicrofabError
from geometry.features import PartFeatures
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
from quoting.errors import HistoryError
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.ratecard import RateCard

REQUIRED_COLUMNS = ("file", "process", "material", "quantity", "price_eur")
OPTIONAL_COLUMNS = ("lead_time_days", "date", "finish", "tolerance")
#: file name of the marketplace-wide prior inside the model folder
PRIOR_FILE = "_marketplace-prior.skops"
#: fewest usable jobs a calibration accepts (a model needs 5, cross-validation one more)
MIN_JOBS = 6
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: today's date used for rule prices of past jobs (lead time does not enter the price)
_PRICING_DAY = dt.date(2025, 1, 6)


def default_model_dir() -> Path:
    """``$MICROFAB_MODEL_DIR`` or ``var/models``."""
    return Path(os.environ.get("MICROFAB_MODEL_DIR", "var/models"))


@dataclass(frozen=True)
class HistoryRow:
    line: int
    file: str
    process: str
    material: str
    quantity: int
    price_eur: float
    lead_time_days: float | None = None
    date: str | None = None
    finish: str | None = None
    tolerance: str | None = None


@dataclass(frozen=True)
class RowProblem:
    """A history row that was left out, and why."""

    line: int
    file: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.file or 'no file'}): {self.message}"


def read_history(path: str | os.PathLike[str]) -> tuple[list[HistoryRow], list[RowProblem]]:
    """The good rows of a history CSV and a problem for each bad one (raises when a column is missing)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise HistoryError(f"{p}: cannot read the history ({err.strerror}): give the path of a CSV file",
                           file=str(p)) from err
    numbered = [(i + 1, line) for i, line in enumerate(text.splitlines())
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise HistoryError(f"{p}: the history is empty: give a CSV with a header line "
                           f"{','.join(REQUIRED_COLUMNS)} and one line per past job", file=str(p))
    reader = csv.reader([line for _, line in numbered])
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise HistoryError(f"{p}: missing column(s) {', '.join(missing)} (found: {', '.join(header)}); the "
                           f"header must name {', '.join(REQUIRED_COLUMNS)}", file=str(p), missing=missing)
    rows: list[HistoryRow] = []
    problems: list[RowProblem] = []
    for (line_no, _), values in zip(numbered[1:], reader, strict=True):
        rec = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        file = rec["file"]
        try:
            rows.append(_row(line_no, rec))
        except (InputError, ValueError) as err:
            problems.append(RowProblem(line_no, file, getattr(err, "message", str(err))))
    return rows, problems


def _row(line: int, rec: dict[str, str]) -> HistoryRow:
    if not rec["file"]:
        raise ValueError("no file: give a path relative to --files, or the sha256 of a stored part")
    process = Process.parse(rec["process"]).value
    material = get_material(rec["material"]).key
    try:
        quantity = int(rec["quantity"])
    except ValueError:
        raise ValueError(f"quantity {rec['quantity']!r} is not a whole number") from None
    if quantity < 1:
        raise ValueError(f"quantity {quantity} must be at least 1")
    try:
        price = float(rec["price_eur"])
    except ValueError:
        raise ValueError(f"price_eur {rec['price_eur']!r} is not a number of EUR") from None
    if not np.isfinite(price) or price <= 0:
        raise ValueError(f"price_eur {rec['price_eur']!r} must be a positive number of EUR")
    lead = rec.get("lead_time_days") or None
    return HistoryRow(
        line=line,
        file=rec["file"],
        process=process,
        material=material,
        quantity=quantity,
        price_eur=price,
        lead_time_days=float(lead) if lead else None,
        date=rec.get("date") or None,
        finish=rec.get("finish") or None,
        tolerance=rec.get("tolerance") or None,
    )


# --- features and rule prices -------------------------------------------------------------------------------------

def rule_sample(features: PartFeatures, card: RateCard, process: str, material: str, quantity: int,
                finish: str | None = None, tolerance: str | None = None) -> CostSample:
    """The rule-based price of a line at ``card`` and the context the quote engine gives a cost model."""
    from quoting.errors import NotManufacturableError
    from quoting.pricing import PricingContext, price_line
    from quoting.processes import process_models

    proc = Process.parse(process)
    mat = get_material(material)
    if proc not in card.processes:
        raise NotManufacturableError(f"{card.id} does not offer {proc.value}: fix the row or the rate card")
    if mat.key not in card.materials:
        raise NotManufacturableError(f"{card.id} does not stock {mat.key}: fix the row or add it to the rate card")
    machine = card.processes[proc].machines[0]
    estimate = process_models()[proc].estimate(features, mat, machine.machine_class)
    part_mass_kg = (features.volume_mm3 or 0.0) * mat.density_kg_mm3
    ctx = PricingContext(card, estimate, mat, part_mass_kg, None, _PRICING_DAY, machine=machine, features=features,
                         finish=finish, tolerance=tolerance)
    priced = price_line(ctx, quantity)
    return CostSample(features, dict(priced.context), priced.rule_total_eur)


def build_samples(
    rows: Sequence[HistoryRow],
    card: RateCard,
    files_dir: str | os.PathLike[str] | None = None,
    lookup: Callable[[str], PartFeatures | Path] | None = None,
    cache: MeasureCache | None = None,
) -> tuple[list[CostSample], list[float], list[HistoryRow], list[RowProblem]]:
    """Samples, prices and rows for the rows that load and price; a problem for each that does not."""
    folder = Path(files_dir) if files_dir is not None else Path(".")
    samples: list[CostSample] = []
    prices: list[float] = []
    used: list[HistoryRow] = []
    problems: list[RowProblem] = []
    for row in rows:
        try:
            if _SHA256.match(row.file.lower()) and lookup is not None:
                found = lookup(row.file.lower())
                if isinstance(found, PartFeatures):
                    features = found
                elif isinstance(found, dict):
                    features = PartFeatures.from_dict(found)
                else:
                    features = measure(Path(found), cache=cache).features
            else:
                path = folder / row.file
                if not path.is_file():
                    raise InputError(f"file not found: {path} (paths are relative to --files)")
                features = measure(path, cache=cache).features
            sample = rule_sample(features, card, row.process, row.material, row.quantity, row.finish, row.tolerance)
        except MicrofabError as err:
            problems.append(RowProblem(row.line, row.file, err.message))
            continue
        except OSError as err:
            problems.append(RowProblem(row.line, row.file, f"cannot read the file ({err.strerror})"))
            continue
        except Exception as err:  # one bad part must not stop a whole history: report it with the row
            problems.append(RowProblem(row.line, row.file, f"could not be measured or priced "
                                                           f"({type(err).__name__}: {err}); check the file"))
            continue
        samples.append(sample)
        prices.append(row.price_eur)
        used.append(row)
    return samples, prices, used, problems


# --- fitting and reporting ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrossValidation:
    """Held-out errors of k-fold cross-validation (fractions: 0.1 = 10 %)."""

    folds: int
    rule_mape: float
    rule_median_ape: float
    calibrated_mape: float
    calibrated_median_ape: float
    coverage: float
    level: float


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
    rule = np.array([s.rule_total_eur for s in samples])
    return CrossValidation(
        folds=k,
        rule_mape=mape(y, rule),
        rule_median_ape=median_ape(y, rule),
        calibrated_mape=mape(y, pred),
        calibrated_median_ape=median_ape(y, pred),
        coverage=coverage(y, low, high),
        level=est.level,
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
        return _finite({
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
    from quoting.errors import NotFoundError
    from quoting.workshops import load_workshops

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
    lookup: Callable[[str], PartFeatures | Path] | None = None,
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
    implied = RateCardCalibrator().fit(samples, prices).implied_
    if not any("markup_fraction" in s.context for s in samples):
        implied = implied.with_card_markup(float(np.median([card.materials[r.material].markup_fraction
                                                            for r in used])))
    report = {"cross_validation": dataclasses.asdict(cv), "history_rows": len(rows) + len(bad_rows)}
    model = WorkshopCostModel.build(workshop_id, est, report)
    path = model.save(folder) if save else None
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
        implied=implied,
        model=model,
        model_path=path,
        prior_used=prior is not None,
        notes=notes,
    )

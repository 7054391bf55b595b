"""Rate-card calibration: the hourly rates, material markup and margin a workshop's prices imply.

The rule price of a line is ``(1 + margin) * (setup + machining + material +
finishing and options) + minimum-order top-up + shipping``, each cost line being
hours or kilograms times the card's rate. ``RateCardCalibrator`` fits the
price as ``a * setup + b * machining + c * material + d * other + e * top-up +
shipping`` by robust regression (``scipy.optimize.least_squares``, soft-L1 loss
on relative residuals, coefficients bounded at zero), with one ``a`` and one
``b`` per ``process/machine_class``. The coefficients are relative to the card,
so a fit transfers to another workshop's card (the marketplace prior). The
implied rate is ``b x card rate / (1 + card margin)``: a uniform factor on
every cost cannot be told apart from the margin, so rates are reported at the
card's margin, and the implied margin at the card's rates (median of price
over rule cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares
from sklearn.utils.validation import check_is_fitted

from models._typing import BaseEstimator, FloatArray, RegressorMixin
from models.errors import ModelError
from models.rows import rate_design, rate_key, rate_prices, shared_costs
from models.samples import CostSample, check_samples


@dataclass(frozen=True)
class ImpliedRates:
    """What one process/machine class's prices imply, next to what the card says."""

    process: str
    machine_class: str
    n_jobs: int
    rate_eur_h: float
    card_rate_eur_h: float
    setup_rate_eur_h: float
    card_setup_rate_eur_h: float


@dataclass(frozen=True)
class ImpliedCard:
    """The rate card a workshop's past prices imply."""

    processes: list[ImpliedRates]
    material_markup_fraction: float
    card_material_markup_fraction: float
    margin_fraction: float
    card_margin_fraction: float
    n_jobs: int

    def with_card_markup(self, card_markup_fraction: float) -> "ImpliedCard":
        """The same, with the card's material markup known (the engine's context does not carry it)."""
        factor = (1.0 + self.material_markup_fraction) / (1.0 + self.card_material_markup_fraction)
        return replace(self, material_markup_fraction=factor * (1.0 + card_markup_fraction) - 1.0,
                       card_material_markup_fraction=card_markup_fraction)

    def sentences(self) -> list[str]:
        """Plain-language differences, e.g. 'your prices imply 92 EUR/h for 3axis cnc_milling; ...'."""
        out = []
        for p in self.processes:
            what = f"{p.machine_class} {p.process}".strip()
            out.append(f"your prices imply {p.rate_eur_h:.0f} EUR/h for {what}; your card says "
                       f"{p.card_rate_eur_h:.0f} EUR/h")
            out.append(f"your prices imply {p.setup_rate_eur_h:.0f} EUR/h for setups on {what}; your card says "
                       f"{p.card_setup_rate_eur_h:.0f} EUR/h")
        out.append(f"your prices imply a material markup of {self.material_markup_fraction:.0%}; your card says "
                   f"{self.card_material_markup_fraction:.0%}")
        out.append(f"at your card's rates, your prices imply a margin of {self.margin_fraction:.0%}; your card says "
                   f"{self.card_margin_fraction:.0%}")
        return out


class RateCardCalibrator(RegressorMixin, BaseEstimator):
    """Fit effective rates to prices; ``predict`` gives the price the implied card would quote.

    Parameters
    ----------
    f_scale : float
        Relative residual beyond which the loss grows linearly (soft L1): prices
        off by more than this are treated as outliers.
    """

    def __init__(self, f_scale: float = 0.05) -> None:
        self.f_scale = f_scale

    def _design(self, X: Sequence[CostSample]) -> FloatArray:
        """Columns: (setup, machining) EUR per process/machine class, then material, other, minimum-order top-up."""
        return rate_design(self.keys_, X)

    def fit(self, X: Sequence[CostSample], y: npt.ArrayLike) -> "RateCardCalibrator":
        check_samples(X)
        prices = np.asarray(y, dtype=np.float64)
        if len(X) < 3:
            raise ModelError(f"rate calibration needs at least 3 priced jobs, got {len(X)}")
        self.keys_ = sorted({rate_key(s) for s in X})
        A = self._design(X)
        shipping = np.array([s.num("shipping_eur") for s in X], dtype=np.float64)
        net = np.maximum(prices - shipping, 0.01 * prices)
        # start from the card: cost lines x (1 + margin), the top-up as it is
        margin = np.mean([1 + s.num("margin_fraction") for s in X])
        x0 = np.full(A.shape[1], margin)
        x0[-1] = 1.0
        used = A.any(axis=0)
        scale = 1.0 / prices

        def residuals(beta: FloatArray) -> FloatArray:
            return (A @ beta - net) * scale

        x0 = np.where(used, x0, 0.0)
        lower = np.zeros_like(x0)
        upper = np.where(used, np.inf, 1e-12)
        res = least_squares(residuals, x0, bounds=(lower, upper), loss="soft_l1", f_scale=self.f_scale)
        self.coef_: FloatArray = np.asarray(res.x, dtype=np.float64)
        self.n_samples_ = len(X)
        self.implied_ = self._implied(X, net)
        return self

    def predict(self, X: Sequence[CostSample]) -> FloatArray:
        check_is_fitted(self, "coef_")
        check_samples(X)
        return rate_prices(self.keys_, self.coef_, X)

    def _implied(self, X: Sequence[CostSample], net: FloatArray) -> ImpliedCard:
        margin = float(np.median([s.num("margin_fraction") for s in X]))
        procs = []
        for k, key in enumerate(self.keys_):
            rows = [s for s in X if rate_key(s) == key]
            process, machine_class = key.split("/", 1)
            card_rate = float(np.mean([s.num("rate_eur_h") for s in rows]))
            card_setup = float(np.mean([s.num("setup_rate_eur_h") for s in rows]))
            procs.append(ImpliedRates(
                process=process,
                machine_class=machine_class,
                n_jobs=len(rows),
                rate_eur_h=float(self.coef_[2 * k + 1] * card_rate / (1 + margin)),
                card_rate_eur_h=card_rate,
                setup_rate_eur_h=float(self.coef_[2 * k] * card_setup / (1 + margin)),
                card_setup_rate_eur_h=card_setup,
            ))
        card_markup = float(np.median([s.num("markup_fraction") for s in X]))
        cost = np.array([sum(shared_costs(s)[:2]) + s.num("setup_eur") + s.num("machining_eur") for s in X])
        ok = cost > 0
        implied_margin = float(np.median(net[ok] / cost[ok]) - 1.0) if ok.any() else float("nan")
        material_col = 2 * len(self.keys_)
        return ImpliedCard(
            processes=procs,
            material_markup_fraction=float(self.coef_[material_col] / (1 + margin) * (1 + card_markup) - 1.0),
            card_material_markup_fraction=card_markup,
            margin_fraction=implied_margin,
            card_margin_fraction=margin,
            n_jobs=len(X),
        )

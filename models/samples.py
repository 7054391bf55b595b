"""The record a cost model learns from and predicts for: a part, its process estimate and its rule price.

A ``CostSample`` holds the ``PartFeatures`` of the part, a plain ``context``
dict of numbers and names the quote engine builds from the ``ProcessEstimate``,
the workshop's ``RateCard`` and the request, and the rule-based total of the
line. ``models`` never imports ``quoting``: the context is the whole interface.

Context keys (units in the names; numbers are floats):

required
    ``process`` (str, e.g. "cnc_milling"), ``material`` (str, materials-table
    key), ``quantity`` (int, parts in the line), ``batch_time_min`` (minutes
    once per batch: programming, setups), ``part_time_min`` (machine minutes
    per part before quantity effects)
optional (0 or "" when absent; derived from the others where possible)
    ``machine_class``, ``run_time_min`` (machine minutes of the whole line after
    the quantity factor), ``stock_mass_kg`` (per part), ``part_mass_kg``,
    ``rate_eur_h``, ``setup_rate_eur_h``, ``material_base_eur_kg`` (stock price
    before the card's markup), ``markup_fraction``, ``margin_fraction``,
    ``min_order_eur``, and the rule breakdown of the line: ``setup_eur``,
    ``machining_eur``, ``material_eur``, ``margin_eur``, ``shipping_eur``,
    ``minimum_order_eur``

The engine may instead pass the rule breakdown as ``breakdown_eur`` (a dict
``{"setup": 12.5, "machining": ...}``) and ``machine_h`` (machine hours of the
line): ``normalize_context`` flattens it to ``setup_eur``..., and derives
``run_time_min``, ``rate_eur_h``, ``setup_rate_eur_h`` and ``margin_fraction``
when they are absent. Values that are not numbers or strings (an ``estimate``
object) are ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geometry.features import PartFeatures
from models._arrays import FloatArray
from models.errors import ModelError

REQUIRED_CONTEXT = ("process", "material", "quantity", "batch_time_min", "part_time_min")
NUMERIC_CONTEXT = (
    "quantity", "batch_time_min", "part_time_min", "run_time_min", "stock_mass_kg", "part_mass_kg",
    "rate_eur_h", "setup_rate_eur_h", "material_base_eur_kg", "markup_fraction", "margin_fraction",
    "min_order_eur", "setup_eur", "machining_eur", "material_eur", "margin_eur", "shipping_eur",
    "minimum_order_eur",
)
TEXT_CONTEXT = ("process", "material", "machine_class")


def normalize_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context with the breakdown flattened and the derivable numbers filled in."""
    ctx: dict[str, Any] = {k: v for k, v in context.items() if isinstance(v, str | int | float) and
                           not isinstance(v, bool)}
    for name, amount in dict(context.get("breakdown_eur") or {}).items():
        ctx.setdefault(f"{name}_eur", float(amount))

    def num(key: str) -> float:
        v = ctx.get(key)
        return float(v) if isinstance(v, int | float) else 0.0

    batch = num("batch_time_min")
    if "run_time_min" not in ctx:
        machine_h = num("machine_h")
        qty = max(num("quantity"), 1.0)
        ctx["run_time_min"] = max(machine_h * 60.0 - batch, 0.0) if machine_h > 0 else num("part_time_min") * qty
    if "rate_eur_h" not in ctx and num("run_time_min") > 0:
        ctx["rate_eur_h"] = num("machining_eur") / (num("run_time_min") / 60.0)
    if "setup_rate_eur_h" not in ctx and batch > 0:
        ctx["setup_rate_eur_h"] = num("setup_eur") / (batch / 60.0)
    cost = sum(num(f"{k}_eur") for k in ("material", "setup", "machining", "finishing", "options"))
    if "margin_fraction" not in ctx and cost > 0:
        ctx["margin_fraction"] = num("margin_eur") / cost
    return ctx


@dataclass(frozen=True)
class CostSample:
    """One priced line: the part, the engine's context and the rule-based total [EUR]."""

    features: PartFeatures
    context: Mapping[str, Any]
    rule_total_eur: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", normalize_context(self.context))

    def num(self, key: str) -> float:
        value = self.context.get(key, 0.0)
        return float(value) if value is not None else 0.0

    def text(self, key: str) -> str:
        return str(self.context.get(key) or "")


def check_samples(samples: Sequence[CostSample]) -> None:
    """Refuse samples a model cannot use, naming the first bad one and what is missing."""
    for i, s in enumerate(samples):
        if not isinstance(s, CostSample):
            raise ModelError(f"sample {i} is a {type(s).__name__}, not a CostSample: build it with "
                             "models.CostSample(features, context, rule_total_eur)")
        missing = [k for k in REQUIRED_CONTEXT if k not in s.context]
        if missing:
            raise ModelError(f"sample {i}: context lacks {', '.join(missing)}: the engine must pass "
                             f"{', '.join(REQUIRED_CONTEXT)}", missing=missing)
        if not (s.rule_total_eur > 0):
            raise ModelError(f"sample {i}: rule-based total {s.rule_total_eur!r} EUR is not positive")


def rule_totals_eur(samples: Sequence[CostSample]) -> FloatArray:
    """The rule-based total of each sample [EUR], as a float64 vector."""
    return np.array([s.rule_total_eur for s in samples], dtype=np.float64)


def training_hash(samples: Sequence[CostSample], prices_eur: Iterable[float]) -> str:
    """sha256 of the training data: part hashes, contexts, rule totals and prices, in order."""
    h = hashlib.sha256()
    for s, y in zip(samples, prices_eur, strict=True):
        row = {
            "part": s.features.source.sha256,
            "context": {k: (v if isinstance(v, str) else float(v)) for k, v in sorted(s.context.items())},
            "rule": round(float(s.rule_total_eur), 6),
            "price": round(float(y), 6),
        }
        h.update(json.dumps(row, sort_keys=True).encode())
    return h.hexdigest()

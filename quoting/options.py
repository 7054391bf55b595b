"""Priced options: surface finishes, tolerance classes and threads (``quoting/data/finishes.toml``).

The pricing engine calls these; every figure is data. Unknown keys raise ``UnknownOptionError``
(an ``InputError``: the caller sent a wrong key), a known finish on a material it does not suit
raises ``OptionNotApplicableError``.

- ``finish_cost(finish_key, features, material, quantity) -> FinishCost``: the batch price of a
  finish (area-based, per-part minimum, lot charge and minimum lot), its added calendar days and
  the finisher's handling minutes.
- ``tolerance_time_factor(tolerance_class) -> float``: multiplies machining minutes;
  ``tolerance_class(name) -> ToleranceClass`` gives the inspection minutes per part too.
- ``thread_cost(features, material, quantity, threads=None, inserts=False, rate_eur_h=None)
  -> ThreadCost``: threads the buyer asks for beyond the tap-drill holes the process estimate
  already taps (``Hole.likely_tap``); ``threads=None`` prices nothing, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from geometry.features import PartFeatures
from quoting.data_files import read_data
from quoting.errors import OptionNotApplicableError, UnknownOptionError
from quoting.materials import Material
from quoting.processes.common import tap_time_min, thread_table


@dataclass(frozen=True)
class FinishCost:
    """A finish for a batch: price [EUR], calendar days it adds, handling minutes, explanation."""

    eur: float
    added_days: int
    detail: str
    finish: str = ""
    #: the finisher's handling time for the whole batch [min]
    time_min: float = 0.0

    @property
    def cost_eur(self) -> float:
        return self.eur

    @property
    def days(self) -> int:
        return self.added_days


@dataclass(frozen=True)
class ToleranceClass:
    key: str
    name: str
    time_factor: float
    inspection_min_per_part: float
    linear_mm_up_to_30: float


@dataclass(frozen=True)
class ThreadCost:
    """Requested threads for a batch: price [EUR] (tapping at ``rate_eur_h`` + inserts) and its minutes."""

    eur: float
    time_min_per_part: float
    setup_min: float
    inserts_eur: float
    detail: str

    @property
    def cost_eur(self) -> float:
        return self.eur


def _options() -> dict[str, Any]:
    return read_data("finishes.toml")


@cache
def _aliases(section: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, row in _options()[section].items():
        for name in (key, *row.get("aliases", ())):
            out[_norm(str(name))] = key
    return out


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _resolve(section: str, name: str, what: str) -> str:
    """The ``finishes.toml`` key of a name or alias in ``section``, or ``UnknownOptionError``."""
    key = _aliases(section).get(_norm(name or ""))
    if key is None:
        known = ", ".join(sorted(_options()[section]))
        raise UnknownOptionError(f"unknown {what} {name!r}: use one of {known}", option=name)
    return key


def finish_keys() -> tuple[str, ...]:
    """The finishes microfab prices by default (``finishes.toml`` [finishes]), sorted."""
    return tuple(sorted(_options()["finishes"]))


def resolve_finish(finish_key: str) -> str:
    """The ``finishes.toml`` key of a finish name or alias, or ``UnknownOptionError``."""
    return _resolve("finishes", finish_key, "finish")


def finish_cost(finish_key: str, features: PartFeatures, material: Material, quantity: int) -> FinishCost:
    """Batch price of ``finish_key`` on ``quantity`` parts.

    Per part: max(min_part_eur, area_dm2 x eur_per_dm2); batch: lot_eur + quantity x per part,
    never less than min_lot_eur. Area is the part's surface area (``features.area_mm2``).
    """
    key = resolve_finish(finish_key)
    row = _options()["finishes"][key]
    if material.family not in row["families"]:
        raise OptionNotApplicableError(
            f"{row['name']} does not apply to {material.name} ({material.family}): choose a finish for "
            f"{material.family} or another material", option=key, material=material.key,
        )
    if features.area_mm2 is None or features.area_mm2 <= 0:
        raise OptionNotApplicableError(
            f"the part's surface area is not measured, so {row['name']} cannot be priced: "
            "send a closed solid or ask for a manual quote", option=key,
        )
    if quantity < 1:
        raise OptionNotApplicableError(f"quantity {quantity} must be at least 1", option=key)
    area_dm2 = features.area_mm2 / 10_000.0
    per_part = max(float(row["min_part_eur"]), area_dm2 * float(row["eur_per_dm2"]))
    raw = float(row["lot_eur"]) + quantity * per_part
    eur = max(raw, float(row["min_lot_eur"]))
    minimum = " (minimum lot)" if eur > raw else ""
    detail = (
        f"{row['name']}: {quantity} x {area_dm2:.2f} dm2 at {float(row['eur_per_dm2']):.2f} EUR/dm2 "
        f"(min {float(row['min_part_eur']):.2f} EUR/part) + lot {float(row['lot_eur']):.2f} EUR{minimum}"
    )
    return FinishCost(
        eur=eur, added_days=int(row["added_days"]), detail=detail, finish=key,
        time_min=quantity * area_dm2 * float(row["time_min_per_dm2"]),
    )


def tolerance_keys() -> tuple[str, ...]:
    """The tolerance classes (``finishes.toml`` [tolerances]), sorted."""
    return tuple(sorted(_options()["tolerances"]))


def tolerance_aliases() -> dict[str, str]:
    """Every name of a tolerance class (key and aliases, normalised) -> its key in ``finishes.toml``."""
    return dict(_aliases("tolerances"))


def canonical_tolerance(name: str) -> str | None:
    """The ``finishes.toml`` key of a tolerance class name or alias (``ISO 2768-f``, ``m``...), None if unknown."""
    return _aliases("tolerances").get(_norm(name))


def tolerance_class(name: str) -> ToleranceClass:
    """The tolerance class of a key or alias (``iso2768_m``, ``ISO 2768-f``, ``m``, ``tight``...)."""
    key = _resolve("tolerances", name, "tolerance class")
    row = _options()["tolerances"][key]
    return ToleranceClass(
        key=key, name=str(row["name"]), time_factor=float(row["time_factor"]),
        inspection_min_per_part=float(row["inspection_min_per_part"]),
        linear_mm_up_to_30=float(row["linear_mm_up_to_30"]),
    )


def tolerance_time_factor(tolerance_class_name: str) -> float:
    """Factor on machining minutes for a tolerance class (1.0 for ISO 2768-m)."""
    return tolerance_class(tolerance_class_name).time_factor


def thread_cost(
    features: PartFeatures,
    material: Material,
    quantity: int,
    threads: Mapping[str, int] | None = None,
    inserts: bool = False,
    rate_eur_h: float | None = None,
) -> ThreadCost:
    """Price of the threads the buyer asks for (``{"M6": 4}``: four M6 threads per part).

    Tapping minutes per thread = position + 2 x depth / (pitch x rpm), rpm from the material's
    tapping speed (processes.toml [cutting]); depth = depth_diameters x D. The batch pays a tap
    setup once. ``inserts``: a helical wire insert per thread at its price. ``rate_eur_h``: the
    workshop's machine rate (default finishes.toml [threads] default_rate_eur_h). Tap-drill holes
    the geometry found are already tapped in the process estimate: ``threads=None`` prices nothing.
    """
    if not threads:
        return ThreadCost(0.0, 0.0, 0.0, 0.0, "no extra threads requested (tap-drill holes are in the estimate)")
    data = _options()["threads"]
    table = thread_table()
    rate = float(rate_eur_h if rate_eur_h is not None else data["default_rate_eur_h"])
    minutes = 0.0
    insert_eur = 0.0
    parts: list[str] = []
    for name, count in threads.items():
        key = name.strip().upper().replace(",", ".")
        row = table.get(key)
        if row is None:
            raise UnknownOptionError(
                f"unknown thread {name!r}: use one of {', '.join(sorted(table))}", option=name
            )
        if not isinstance(count, int) or count < 0:
            raise UnknownOptionError(f"thread count for {key} must be a whole number >= 0, got {count!r}",
                                     option=name)
        depth = float(data["depth_diameters"]) * row["diameter_mm"]
        minutes += count * tap_time_min(row["diameter_mm"], row["pitch_mm"], depth, material)
        if inserts:
            insert_eur += count * row["insert_eur"]
        parts.append(f"{count} x {key}")
    setup = float(data["tap_setup_min"])
    eur = (setup + minutes * quantity) / 60.0 * rate + insert_eur * quantity
    detail = (
        f"threads {', '.join(parts)} per part: {minutes:.2f} min/part + {setup:.0f} min setup at {rate:.0f} EUR/h"
        + (f", inserts {insert_eur:.2f} EUR/part" if inserts else "")
    )
    return ThreadCost(eur=eur, time_min_per_part=minutes, setup_min=setup, inserts_eur=insert_eur * quantity,
                      detail=detail)

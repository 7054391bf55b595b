"""The quote request and its one named constructor, ``QuoteRequest.parse``.

The CLI, the HTTP forms and the JSON bodies all build their request with
``QuoteRequest.parse``: it takes what they send (strings such as ``"1,10,100"``,
``"48.85,2.35"``, ``"M6:4,M8:2"``, ``"2026-12-24"``, with ``""`` meaning absent; or
lists, dicts and numbers) and returns typed values, or raises an error naming the
bad field (``InvalidRequestError(field=...)``, ``UnknownMaterialError``,
``UnknownProcessError``, ``UnknownOptionError``, ``UnitsError``). The engine
trusts a parsed request and checks nothing again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TypeVar

from geometry.errors import InputError
from geometry.units import LengthUnit
from quoting.errors import InvalidRequestError, UnknownOptionError
from quoting.materials import Material, get_material
from quoting.options import canonical_tolerance, finish_keys, resolve_finish, tolerance_aliases
from quoting.process_kinds import Process, SortKey, Tier
from quoting.processes.common import thread_table

#: the largest quantity of one line
MAX_QUANTITY = 1_000_000
#: the most quantities (lines) one request may ask for
MAX_QUANTITIES = 20
#: the most extra threads of one size per part
MAX_THREADS_PER_SIZE = 1000
#: the longest finish or tolerance key
MAX_KEY_LENGTH = 64
#: the thickest flat (DXF) part [mm]
MAX_THICKNESS_MM = 100.0

QuantitiesIn = str | Sequence[int]
ShipToIn = str | Sequence[float] | None
ThreadsIn = str | Mapping[str, int] | None
_Choice = TypeVar("_Choice", Tier, SortKey)


@dataclass(frozen=True)
class QuoteRequest:
    """What the buyer asks for; build it with ``QuoteRequest.parse`` (the engine trusts its values)."""

    #: material key (``materials.toml``)
    material: str
    quantities: tuple[int, ...] = (1,)
    #: the one process to quote; None: every process a workshop offers
    process: Process | None = None
    #: buyer's location (lat, lon) for distance, shipping and CO2
    ship_to: tuple[float, float] | None = None
    #: length unit of a file that carries none (STL, OBJ, PLY), lower case
    units: str | None = None
    #: sheet thickness [mm] of a flat 2D part (DXF), which carries none; ignored for 3D files
    thickness_mm: float | None = None
    #: surface finish: a finishes.toml key (aliases resolved) or a key a workshop prices; None: none
    finish: str | None = None
    #: tolerance class, canonical finishes.toml key (e.g. iso2768_f); None: the workshop's standard
    tolerance: str | None = None
    #: lead-time tier
    tier: Tier = Tier.STANDARD
    #: order of the offers (best first)
    sort_by: SortKey = SortKey.PRICE
    #: delivery wanted by this date: each line says whether it makes it
    need_by: dt.date | None = None
    #: extra threads per part, by size ({"M6": 4}); tap-drill holes found in the geometry are already priced
    threads: dict[str, int] | None = None
    #: compute the quote's cost drivers (``quoting.cost_drivers``: one re-pricing per relaxation)
    cost_drivers: bool = False

    @cached_property
    def material_record(self) -> Material:
        """The ``Material`` of ``material`` (``parse`` fills it in: no second lookup)."""
        return get_material(self.material)

    def per_kit(self, count: int) -> QuoteRequest:
        """The request for a solid that appears ``count`` times in a kit: each quantity x count (capped)."""
        out = replace(self, quantities=tuple(min(q * count, MAX_QUANTITY) for q in self.quantities))
        object.__setattr__(out, "material_record", self.material_record)  # the same material: no second lookup
        return out

    @classmethod
    def parse(
        cls,
        *,
        material: str | None,
        quantities: QuantitiesIn = (1,),
        process: str | Process | None = None,
        finish: str | None = None,
        tolerance: str | None = None,
        tier: str | Tier | None = None,
        sort_by: str | SortKey | None = None,
        ship_to: ShipToIn = None,
        need_by: str | dt.date | None = None,
        units: str | None = None,
        thickness_mm: str | float | None = None,
        threads: ThreadsIn = None,
        known_finishes: Collection[str] = (),
        cost_drivers: bool | str | None = None,
    ) -> QuoteRequest:
        """A validated request from CLI, form or JSON values; errors name the field.

        ``known_finishes``: finish keys that the workshops' rate cards price besides the
        ``finishes.toml`` table (the API and the CLI pass the loaded cards' finish keys);
        such a finish is kept as given, any other is resolved through the table's aliases.
        """
        qty = _quantities(quantities)
        where = _ship_to(ship_to)
        record = _material(material)
        wanted = Process.parse(process) if process else None
        request = cls(
            material=record.key, quantities=qty, process=wanted, ship_to=where, units=_units(units),
            thickness_mm=_thickness(thickness_mm), finish=_finish(finish, known_finishes),
            tolerance=_tolerance(tolerance), tier=_choice(Tier, tier, "tier", Tier.STANDARD),
            sort_by=_choice(SortKey, sort_by, "sort_by", SortKey.PRICE), need_by=_need_by(need_by),
            threads=_threads(threads), cost_drivers=_flag(cost_drivers, "cost_drivers"),
        )
        object.__setattr__(request, "material_record", record)  # fill the cached property
        return request


def _quantities(value: QuantitiesIn) -> tuple[int, ...]:
    if isinstance(value, str):
        try:
            qty = tuple(int(x) for x in value.split(",") if x.strip())
        except ValueError:
            raise InvalidRequestError(f"quantities {value!r}: give whole numbers separated by commas, "
                                      "e.g. 1,10,100", field="quantities") from None
    else:
        try:
            qty = tuple(value)
        except TypeError:
            raise InvalidRequestError(f"quantities {value!r}: give a list of whole numbers, e.g. [1, 10, 100]",
                                      field="quantities") from None
    if not qty:
        raise InvalidRequestError("give at least one quantity, e.g. 1,10,100", field="quantities")
    if len(qty) > MAX_QUANTITIES:
        raise InvalidRequestError(f"give at most {MAX_QUANTITIES} quantities", field="quantities")
    for q in qty:
        if isinstance(q, bool) or not isinstance(q, int) or q < 1 or q > MAX_QUANTITY:
            raise InvalidRequestError(f"quantity {q!r} is not a whole number between 1 and {MAX_QUANTITY}",
                                      field="quantities")
    return qty


def _ship_to(value: ShipToIn) -> tuple[float, float] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    why = InvalidRequestError(f"ship_to {value!r} is not a latitude,longitude pair: give LAT,LON, "
                              "e.g. 48.85,2.35", field="ship_to")
    items = value.split(",") if isinstance(value, str) else value
    try:
        lat, lon = (float(x) for x in items)
    except (TypeError, ValueError):
        raise why from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # NaN fails too
        raise why
    return lat, lon


def _material(key: str | None) -> Material:
    if not key:
        raise InvalidRequestError("give a material, see GET /v1/materials or `microfab materials`",
                                  field="material")
    if not isinstance(key, str):
        raise InvalidRequestError(f"material {key!r} is not a material key such as al6061", field="material")
    return get_material(key)


def _units(value: str | None) -> str | None:
    if not value:
        return None
    LengthUnit.parse(value)  # UnitsError names the units it knows
    return value.strip().lower()


def _thickness(value: str | float | None) -> float | None:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = float(value)
        except ValueError:
            raise InvalidRequestError(f"thickness_mm {value!r} is not a number of mm",
                                      field="thickness_mm") from None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"thickness_mm {value!r} is not a number of mm", field="thickness_mm")
    if not math.isfinite(value):
        raise InvalidRequestError("thickness_mm must be a finite number of mm", field="thickness_mm")
    if not 0 < value <= MAX_THICKNESS_MM:
        raise InvalidRequestError(f"thickness_mm {value!r} is not a sheet thickness between 0 and "
                                  f"{MAX_THICKNESS_MM:.0f} mm", field="thickness_mm")
    return float(value)


def _key(value: object, name: str, example: str) -> str | None:
    """A finish or tolerance key as sent: None when absent (None or ""), else a short non-blank string."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY_LENGTH:
        raise InvalidRequestError(f"{name} {value!r} is not a key such as {example}", field=name)
    return value


def _finish(value: str | None, known_finishes: Collection[str]) -> str | None:
    """A finish a workshop prices as given, else the finishes.toml key of a name or alias."""
    finish = _key(value, "finish", "anodising")
    if finish is None or finish in known_finishes:
        return finish
    try:
        return resolve_finish(finish)
    except InputError:
        known = set(finish_keys()) | set(known_finishes)
        raise InvalidRequestError(f"finish {finish!r} is unknown: use one of {', '.join(sorted(known))}",
                                  field="finish") from None


def _tolerance(value: str | None) -> str | None:
    tolerance = _key(value, "tolerance", "iso2768-f")
    if tolerance is None:
        return None
    canonical = canonical_tolerance(tolerance)
    if canonical is None:
        known = ", ".join(sorted(set((tolerance_aliases() or {}).values())))
        raise InvalidRequestError(f"tolerance {tolerance!r} is unknown: use {known} (or f, m, c, iso2768-f, ...)",
                                  field="tolerance")
    return canonical


def _choice(kind: type[_Choice], value: str | _Choice | None, name: str, default: _Choice) -> _Choice:
    """A member of the closed vocabulary ``kind``; None or "" gives ``default``."""
    if value is None or value == "":
        return default
    try:
        return kind(value.strip().lower() if isinstance(value, str) else value)
    except ValueError:
        raise InvalidRequestError(f"{name} {value!r} is unknown: use {', '.join(kind)}", field=name) from None


def _flag(value: bool | str | None, name: str) -> bool:
    """A yes/no field: a bool, or a form's "true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off" ("" and None: no)."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise InvalidRequestError(f"{name} {value!r} is not true or false", field=name)


def _need_by(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return _plausible_day(value.date())
    if isinstance(value, dt.date):
        return _plausible_day(value)
    try:
        day = dt.date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise InvalidRequestError(f"need_by {value!r} is not a date (YYYY-MM-DD)", field="need_by") from None
    return _plausible_day(day)


#: the dates a need_by may name: anything else is a typo (1900-01-01, 9999-12-31)
NEED_BY_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def _plausible_day(day: dt.date) -> dt.date:
    low, high = NEED_BY_RANGE
    if not low <= day <= high:
        raise InvalidRequestError(f"need_by {day.isoformat()} is outside {low.isoformat()} .. {high.isoformat()}: "
                                  "give the wanted delivery date", field="need_by")
    return day


def _threads(value: ThreadsIn) -> dict[str, int] | None:
    """Extra threads per part by size: ``"M6:4,M8:2"`` or ``{"M6": 4, "M8": 2}``; sizes must be known."""
    if value is None or value == "":
        return None
    threads = _threads_text(value) if isinstance(value, str) else value
    if not isinstance(threads, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_THREADS_PER_SIZE
            for k, v in threads.items()):
        raise InvalidRequestError(f"threads {value!r}: give thread sizes and counts per part, e.g. {{'M6': 4}}",
                                  field="threads")
    table = thread_table()
    for size in threads:
        if size.strip().upper().replace(",", ".") not in table:
            raise UnknownOptionError(f"unknown thread {size!r}: use one of {', '.join(sorted(table))}",
                                     option=size)
    return dict(threads) or None


def _threads_text(text: str) -> dict[str, int]:
    """``M6:4,M8:2`` -> {"M6": 4, "M8": 2}."""
    out: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        size, _, count = item.partition(":")
        try:
            out[size.strip()] = int(count)
        except ValueError:
            raise InvalidRequestError(f"threads {text!r}: give SIZE:COUNT pairs, e.g. M6:4,M8:2",
                                      field="threads") from None
    return out


__all__ = ["MAX_QUANTITIES", "MAX_QUANTITY", "QuoteRequest"]

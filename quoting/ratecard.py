"""Workshop rate cards: the frozen ``RateCard`` the engine prices with, built from a validated document.

The document's schema (pydantic, the edge) and its records (``Machine``,
``Commercial``, ``ShippingZone``...) are in ``quoting.ratecard_schema``; ``Machine``
is re-exported here.
A rate card holds, per workshop:

- identity and location (``[location]``);
- processes, each with its capacity, backlog and machines (``[processes.X]``,
  ``[[processes.X.machines]]``): machine class, work envelope, hourly and setup
  rates, power; sheet size and thickness, brake length and tonnage, build volume;
- materials stocked (``[materials.KEY]``): EUR/kg or EUR/sheet, surcharges;
- finishes offered and their prices (``[finishes.KEY]``), tolerance classes offered;
- DFM threshold overrides per process (``[dfm.X]``);
- commercial terms (``[commercial]``): margin, minimum order, quantity pricing
  (learning curve or explicit breaks), validity, maximum distance;
- calendar (workdays, public holidays of the country, closures), shipping
  (per km or by zone, days by distance) and lead-time tiers (``Tier`` -> ``TierRates``).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from quoting.data_files import read_data
from quoting.errors import RateCardError
from quoting.process_kinds import Process, Tier
from quoting.ratecard_schema import (
    RATECARD_SCHEMA,
    Calendar,
    Capacity,
    Commercial,
    FinishRates,
    Location,
    Machine,
    MaterialRates,
    ProcessRates,
    RateCardDoc,
    Shipping,
    TierRates,
    check_tier_order,
)

#: the tier names, for quoting/engine.py until its request module (``Tier``) lands: use ``Tier``


def _check_holidays(doc: RateCardDoc, source: str) -> None:
    import holidays

    country = doc.calendar.holidays_country or doc.location.country
    sub = doc.calendar.holidays_subdivision
    try:
        holidays.country_holidays(country.upper(), subdiv=sub, years=2025)
    except NotImplementedError as err:
        if sub is None:
            return  # a country the holidays package does not know: weekends only
        raise RateCardError(f"{source}: field calendar.holidays_subdivision: {err}", field="calendar",
                            source=source) from None


def default_tiers() -> dict[Tier, TierRates]:
    """The lead-time tiers of ``quoting/data/pricing.toml`` (used when a card gives none)."""
    return {Tier(k): TierRates(**v) for k, v in read_data("pricing.toml")["tiers"].items()}


def _validation_message(err: ValidationError, source: str) -> RateCardError:
    """The first validation error, naming its field, as a ``RateCardError``."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(document)"
    got = first.get("input")
    shown = "" if isinstance(got, dict) or first["type"] == "missing" else f" (got {got!r})"
    msg = first["msg"].removeprefix("Value error, ")
    extra = f"; and {err.error_count() - 1} more error(s)" if err.error_count() > 1 else ""
    return RateCardError(f"{source}: field {loc}: {msg}{shown}{extra}", field=loc, source=source)


@dataclass(frozen=True)
class RateCard:
    """One workshop's validated rate card."""

    id: str
    name: str
    demo: bool
    location: Location
    commercial: Commercial
    shipping: Shipping
    capacity: Capacity
    calendar: Calendar
    processes: dict[Process, ProcessRates]
    materials: dict[str, MaterialRates]
    #: sha256 of the canonical JSON of the document: quotes record which version priced them
    version_hash: str
    tiers: dict[Tier, TierRates] = field(default_factory=dict)
    finishes: dict[str, FinishRates] = field(default_factory=dict)
    tolerances: tuple[str, ...] | None = None
    dfm: dict[Process, dict[str, Any]] = field(default_factory=dict)

    @property
    def holidays_country(self) -> str:
        """Country (and subdivision, "FR/67") whose public holidays close the workshop."""
        country = self.calendar.holidays_country or self.location.country
        sub = self.calendar.holidays_subdivision
        return f"{country}/{sub}" if sub else country

    def backlog_h(self, process: Process) -> float:
        rates = self.processes[process]
        return rates.backlog_h if rates.backlog_h is not None else self.capacity.backlog_h

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "rate card") -> "RateCard":
        try:
            doc = RateCardDoc.model_validate(data)
        except ValidationError as err:
            raise _validation_message(err, source) from err
        _check_holidays(doc, source)
        canonical = json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True)
        tiers = {Tier(k): v for k, v in doc.tiers.items()} if doc.tiers is not None else {}
        merged = default_tiers() | tiers
        try:
            check_tier_order(merged)
        except ValueError as err:
            raise RateCardError(f"{source}: field tiers: {err} (with the default tiers of pricing.toml)",
                                field="tiers", source=source) from None
        return cls(
            id=doc.id,
            name=doc.name,
            demo=doc.demo,
            location=doc.location,
            commercial=doc.commercial,
            shipping=doc.shipping,
            capacity=doc.capacity,
            calendar=doc.calendar,
            processes={Process.parse(k): v for k, v in doc.processes.items()},
            materials=dict(doc.materials),
            version_hash=hashlib.sha256(canonical.encode()).hexdigest(),
            tiers=merged,
            finishes=dict(doc.finishes),
            tolerances=doc.tolerances,
            dfm={Process.parse(k): dict(v) for k, v in doc.dfm.items()},
        )

    @classmethod
    def from_toml(cls, text: str, source: str = "rate card") -> "RateCard":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise RateCardError(f"{source}: not valid TOML: {err}", source=source) from err
        return cls.from_dict(data, source)

    @classmethod
    def from_file(cls, path: str | Path) -> "RateCard":
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise RateCardError(f"{p}: cannot read the rate card: {err}", source=str(p)) from err
        if p.suffix.lower() == ".json":
            try:
                return cls.from_dict(json.loads(text), p.name)
            except json.JSONDecodeError as err:
                raise RateCardError(f"{p.name}: not valid JSON: {err}", source=p.name) from err
        return cls.from_toml(text, p.name)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": RATECARD_SCHEMA,
            "id": self.id,
            "name": self.name,
            "demo": self.demo,
            "location": self.location.model_dump(),
            "commercial": self.commercial.model_dump(mode="json"),
            "shipping": self.shipping.model_dump(mode="json"),
            "capacity": self.capacity.model_dump(),
            "calendar": self.calendar.model_dump(mode="json", exclude_none=True),
            "tiers": {k.value: t.model_dump() for k, t in self.tiers.items()},
            "processes": {p.value: r.model_dump(mode="json", exclude_none=True) for p, r in self.processes.items()},
            "materials": {k: r.model_dump(mode="json", exclude_none=True) for k, r in self.materials.items()},
            "finishes": {k: f.model_dump(mode="json", exclude_none=True) for k, f in self.finishes.items()},
            "dfm": {p.value: d for p, d in self.dfm.items()},
        }
        if self.tolerances is not None:
            out["tolerances"] = list(self.tolerances)
        return out


__all__ = [
    "Machine",
    "RateCard",
    "default_tiers",
]

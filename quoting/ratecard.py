"""Workshop rate cards: TOML documents validated on load, errors naming the bad field.

Pydantic parses and validates the document (the edge); the engine works with
the frozen ``RateCard`` it builds.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geometry.errors import RateCardError
from quoting.materials import materials
from quoting.process_kinds import Process

RATECARD_SCHEMA = "microfab.ratecard/1"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Model):
    city: str
    region: str = ""
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Commercial(_Model):
    margin_fraction: float = Field(ge=0, le=5)
    min_order_eur: float = Field(default=0.0, ge=0)
    learning_rate: float = Field(default=0.95, gt=0, le=1)
    learning_floor: float = Field(default=0.6, gt=0, le=1)
    validity_days: int = Field(default=30, ge=1, le=365)
    max_distance_km: float | None = Field(default=None, gt=0)


class Shipping(_Model):
    base_eur: float = Field(default=0.0, ge=0)
    eur_per_km: float = Field(default=0.0, ge=0)
    eur_per_kg: float = Field(default=0.0, ge=0)
    days_per_500km: float = Field(default=1.0, ge=0)


class Capacity(_Model):
    backlog_h: float = Field(default=0.0, ge=0)


class Calendar(_Model):
    workdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")

    @field_validator("workdays")
    @classmethod
    def _not_empty(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a workshop needs at least one workday")
        return v


class ProcessRates(_Model):
    machine_class: str
    rate_eur_h: float = Field(gt=0)
    setup_rate_eur_h: float = Field(gt=0)
    envelope_mm: tuple[float, float, float]
    capacity_h_day: float = Field(gt=0)
    power_kw: float = Field(default=5.0, ge=0)

    @field_validator("envelope_mm")
    @classmethod
    def _positive(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(x <= 0 for x in v):
            raise ValueError("every envelope extent must be positive")
        return v


class MaterialRates(_Model):
    price_eur_kg: float | None = Field(default=None, gt=0)
    markup_fraction: float = Field(default=0.0, ge=0, le=5)


class _RateCardDoc(_Model):
    schema_: Literal["microfab.ratecard/1"] = Field(alias="schema")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1)
    demo: bool = False
    location: Location
    commercial: Commercial
    shipping: Shipping = Shipping()
    capacity: Capacity = Capacity()
    calendar: Calendar = Calendar()
    processes: dict[str, ProcessRates] = Field(min_length=1)
    materials: dict[str, MaterialRates] = Field(min_length=1)

    @field_validator("processes")
    @classmethod
    def _known_processes(cls, v: dict[str, ProcessRates]) -> dict[str, ProcessRates]:
        for key in v:
            Process.parse(key)
        return v

    @field_validator("materials")
    @classmethod
    def _known_materials(cls, v: dict[str, MaterialRates]) -> dict[str, MaterialRates]:
        table = materials()
        unknown = [k for k in v if k not in table]
        if unknown:
            raise ValueError(f"unknown material(s) {', '.join(unknown)}: use keys of the materials table")
        return v


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

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "rate card") -> "RateCard":
        try:
            doc = _RateCardDoc.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            loc = ".".join(str(p) for p in first["loc"]) or "(document)"
            got = first.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            extra = f"; and {err.error_count() - 1} more error(s)" if err.error_count() > 1 else ""
            raise RateCardError(
                f"{source}: field {loc}: {first['msg']}{shown}{extra}", field=loc, source=source
            ) from err
        canonical = json.dumps(doc.model_dump(mode="json", by_alias=True), sort_keys=True)
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
        return {
            "schema": RATECARD_SCHEMA,
            "id": self.id,
            "name": self.name,
            "demo": self.demo,
            "location": self.location.model_dump(),
            "commercial": self.commercial.model_dump(),
            "shipping": self.shipping.model_dump(),
            "capacity": self.capacity.model_dump(),
            "calendar": self.calendar.model_dump(mode="json"),
            "processes": {p.value: r.model_dump(mode="json") for p, r in self.processes.items()},
            "materials": {k: r.model_dump(exclude_none=True) for k, r in self.materials.items()},
        }

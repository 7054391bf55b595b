"""The materials table: density, stock price, machinability, CO2, accepted processes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from geometry.errors import UnknownMaterialError
from quoting.data_files import read_data


@dataclass(frozen=True)
class Material:
    key: str
    name: str
    family: str
    density_kg_m3: float
    price_eur_kg: float
    co2_kg_per_kg: float
    processes: tuple[str, ...]
    removal_rate_mm3_min: float | None = None
    finishing_rate_mm2_min: float | None = None
    source: str = ""
    #: every other column of the table (process-specific coefficients), read-only
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def density_kg_mm3(self) -> float:
        return self.density_kg_m3 * 1e-9

    def get(self, name: str, default: Any = None) -> Any:
        return dict(self.extra).get(name, default)

    @classmethod
    def from_row(cls, key: str, row: dict[str, Any]) -> "Material":
        known = {
            "name", "family", "density_kg_m3", "price_eur_kg", "co2_kg_per_kg", "processes",
            "removal_rate_mm3_min", "finishing_rate_mm2_min", "source",
        }
        try:
            return cls(
                key=key,
                name=str(row["name"]),
                family=str(row["family"]),
                density_kg_m3=float(row["density_kg_m3"]),
                price_eur_kg=float(row["price_eur_kg"]),
                co2_kg_per_kg=float(row["co2_kg_per_kg"]),
                processes=tuple(row.get("processes", ())),
                removal_rate_mm3_min=row.get("removal_rate_mm3_min"),
                finishing_rate_mm2_min=row.get("finishing_rate_mm2_min"),
                source=str(row.get("source", "")),
                extra=tuple(sorted((k, v) for k, v in row.items() if k not in known)),
            )
        except KeyError as err:
            raise ValueError(f"materials table: material {key!r} lacks field {err.args[0]!r}") from err


@cache
def materials() -> dict[str, Material]:
    """Every material of the table, by key."""
    table = read_data("materials.toml")["materials"]
    return {key: Material.from_row(key, row) for key, row in table.items()}


def get_material(key: str) -> Material:
    """The material ``key``, or an ``UnknownMaterialError`` that suggests close keys."""
    table = materials()
    try:
        return table[key]
    except KeyError:
        close = difflib.get_close_matches(key.lower(), list(table), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnknownMaterialError(
            f"unknown material {key!r}: {hint}see `microfab materials` for the list", material=key
        ) from None

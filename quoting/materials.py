"""The materials table: density, stock price, machinability, CO2, accepted processes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from quoting.data_files import read_data
from quoting.errors import UnknownMaterialError
from quoting.numeric import within


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
    #: ISO 513 machining group (P, M, N, S, O): the removal-rate class for drilling/tapping/turning
    iso_group: str | None = None
    #: fiber-laser speed table ((thickness_mm, speed_mm_min), ...), thickness ascending
    laser_speed_table: tuple[tuple[float, float], ...] = ()
    #: neutral-fibre position for air bending
    k_factor: float | None = None
    #: smallest inner bend radius as a multiple of the thickness
    min_bend_radius_t: float | None = None
    #: every other column of the table (process-specific coefficients), read-only
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def density_kg_mm3(self) -> float:
        return self.density_kg_m3 * 1e-9

    def get(self, name: str, default: Any = None) -> Any:
        return dict(self.extra).get(name, default)

    def accepts(self, process: str) -> bool:
        """Whether the table offers this material for ``process`` (a ``Process`` value)."""
        return process in self.processes

    @property
    def laser_max_thickness_mm(self) -> float | None:
        """The thickest sheet of the laser table, or None when the material is not laser cut."""
        return self.laser_speed_table[-1][0] if self.laser_speed_table else None

    def laser_speed_mm_min(self, thickness_mm: float) -> float | None:
        """Cutting speed at ``thickness_mm``, linear between table rows; None beyond the table.

        Thinner than the first row cuts at the first row's speed. The table is non-increasing
        (validated on load), so a thicker sheet never cuts faster.
        """
        table = self.laser_speed_table
        if not table or not within(thickness_mm, table[-1][0]):
            return None
        if thickness_mm <= table[0][0]:
            return table[0][1]
        for (t0, v0), (t1, v1) in zip(table, table[1:], strict=False):
            if thickness_mm <= t1:
                return v0 + (v1 - v0) * (thickness_mm - t0) / (t1 - t0)
        return table[-1][1]  # pragma: no cover - unreachable

    @classmethod
    def from_row(cls, key: str, row: dict[str, Any]) -> "Material":
        known = {
            "name", "family", "density_kg_m3", "price_eur_kg", "co2_kg_per_kg", "processes",
            "removal_rate_mm3_min", "finishing_rate_mm2_min", "source",
            "iso_group", "laser_speed_mm_min", "k_factor", "min_bend_radius_t",
        }
        table = tuple((float(t), float(v)) for t, v in row.get("laser_speed_mm_min", ()))
        if any(b[0] <= a[0] or b[1] > a[1] for a, b in zip(table, table[1:], strict=False)):
            raise ValueError(
                f"materials table: {key}.laser_speed_mm_min must have ascending thickness and non-increasing speed"
            )
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
                iso_group=row.get("iso_group"),
                laser_speed_table=table,
                k_factor=float(row["k_factor"]) if "k_factor" in row else None,
                min_bend_radius_t=float(row["min_bend_radius_t"]) if "min_bend_radius_t" in row else None,
                extra=tuple(sorted((k, _frozen(v)) for k, v in row.items() if k not in known)),
            )
        except KeyError as err:
            raise ValueError(f"materials table: material {key!r} lacks field {err.args[0]!r}") from err


def _frozen(value: Any) -> Any:
    """Lists become tuples and tables sorted tuples of pairs, so a Material stays hashable."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


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

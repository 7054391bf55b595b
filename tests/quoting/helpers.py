"""Fast test helpers for quoting: PartFeatures built by hand, a stub process model, rate cards from dicts."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from geometry.features import Bend, FileFormat, MeshInfo, PartFeatures, SheetMetal, SourceInfo, Turning
from geometry.findings import Finding, Severity
from quoting.errors import NotManufacturableError
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, Stock
from quoting.ratecard import RateCard

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
PARIS = (48.8566, 2.3522)


def features(
    bbox_mm: tuple[float, float, float] = (100.0, 60.0, 20.0),
    volume_mm3: float | None = 100_000.0,
    area_mm2: float | None = 25_000.0,
    sheet: SheetMetal | None = None,
    turning: Turning | None = None,
    sha: str = "0" * 64,
) -> PartFeatures:
    return PartFeatures(
        source=SourceInfo("part.step", FileFormat.STEP, sha, 1000, "mm", "file"),
        bbox_mm=bbox_mm,
        mesh=MeshInfo(triangles=12, vertices=8, watertight=True, bodies=1),
        volume_mm3=volume_mm3,
        area_mm2=area_mm2,
        sheet_metal=sheet,
        turning=turning,
        setups_3axis=["+z", "-z"],
    )


def sheet(thickness_mm: float = 2.0, flat_bbox_mm: tuple[float, float] = (300.0, 200.0),
          bend_length_mm: float = 200.0, bends: int = 2) -> SheetMetal:
    return SheetMetal(
        thickness_mm=thickness_mm,
        bends=[Bend(90.0, thickness_mm, bend_length_mm) for _ in range(bends)],
        flat_bbox_mm=flat_bbox_mm,
        flat_area_mm2=flat_bbox_mm[0] * flat_bbox_mm[1] * 0.9,
        cut_length_mm=2 * sum(flat_bbox_mm),
        pierces=4,
    )


class StubModel:
    """A process model with simple, known minutes: batch 60 min, part 10 min per 100 cm3, stock = bbox."""

    def __init__(self, process: Process, fail_code: str | None = None, max_extent_mm: float | None = None) -> None:
        self.process = process
        self.fail_code = fail_code
        self.max_extent_mm = max_extent_mm
        self.seen_overrides: list[dict[str, Any]] = []

    def check(self, features: PartFeatures, material: Material, machine_class: str,
              overrides: dict[str, Any] | None = None) -> list[Finding]:
        self.seen_overrides.append(dict(overrides or {}))
        # a workshop that sets its smallest tool radius above 5 mm (a real dfm.toml name) cannot make the part
        strict = (overrides or {}).get("cnc_min_tool_radius_mm", 0.0) > 5.0
        limit = self.max_extent_mm
        if self.fail_code or strict or (limit is not None and max(features.bbox_mm) > limit):
            return [Finding(Severity.ERROR, self.fail_code or "too_long", "stub: cannot make it: change the part",
                            process=self.process.value)]
        return [Finding(Severity.INFO, "stub_info", "stub estimate", process=self.process.value)]

    def estimate(self, features: PartFeatures, material: Material, machine_class: str,
                 overrides: dict[str, Any] | None = None) -> ProcessEstimate:
        findings = self.check(features, material, machine_class, overrides)
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors:
            raise NotManufacturableError(errors[0].message, process=self.process.value)
        volume = features.volume_mm3 or 0.0
        stock_mm3 = features.bbox_mm[0] * features.bbox_mm[1] * features.bbox_mm[2]
        return ProcessEstimate(
            process=self.process,
            machine_class=machine_class,
            material=material.key,
            operations=[
                Operation("setup", 60.0, per_batch=True),
                Operation("run", 10.0 * volume / 100_000.0 + 1.0),
            ],
            stock=Stock("stub stock", features.bbox_mm, stock_mm3 * material.density_kg_mm3),
            findings=findings,
        )


def stub_models(**kwargs: Any) -> dict[Process, StubModel]:
    return {p: StubModel(p, **kwargs) for p in Process}


BASE_CARD: dict[str, Any] = {
    "schema": "microfab.ratecard/1",
    "id": "test-shop",
    "name": "Test Shop",
    "demo": True,
    "location": {"city": "Lyon", "region": "Auvergne-Rhône-Alpes", "country": "FR", "lat": 45.764, "lon": 4.8357},
    "commercial": {"margin_fraction": 0.2, "min_order_eur": 50.0, "learning_rate": 0.9, "learning_floor": 0.6,
                   "validity_days": 20, "max_distance_km": 1000},
    "shipping": {"base_eur": 10.0, "eur_per_km": 0.02, "eur_per_kg": 0.5, "days_per_500km": 1},
    "calendar": {"workdays": ["mon", "tue", "wed", "thu", "fri"]},
    "processes": {
        "cnc_milling": {"capacity_h_day": 8, "backlog_h": 16, "machines": [
            {"machine_class": "3axis", "name": "VMC", "rate_eur_h": 80, "setup_rate_eur_h": 60,
             "envelope_mm": [500, 400, 300], "power_kw": 10}]},
        "sheet_metal": {"capacity_h_day": 8, "machines": [
            {"machine_class": "fiber_laser_brake", "rate_eur_h": 90, "setup_rate_eur_h": 60,
             "max_sheet_mm": [2500, 1250], "max_thickness_mm": 6, "brake_length_mm": 1000, "brake_tonnage_t": 30}]},
        "cnc_turning": {"capacity_h_day": 8, "machines": [
            {"machine_class": "2axis_lathe", "rate_eur_h": 70, "setup_rate_eur_h": 55,
             "envelope_mm": [200, 200, 400], "max_diameter_mm": 200, "max_length_mm": 400}]},
    },
    "materials": {"al6061": {"markup_fraction": 0.1}, "s235": {"price_eur_kg": 1.5}},
    "finishes": {"anodising": {"price_eur_m2": 30.0, "price_eur_part": 1.0, "min_batch_eur": 80.0, "days": 3}},
    "tolerances": ["iso2768-c", "iso2768-m", "iso2768-f"],
}


def card_dict(**changes: Any) -> dict[str, Any]:
    """A copy of BASE_CARD with dotted-path changes: card_dict(**{"commercial.margin_fraction": 0.3})."""
    data = copy.deepcopy(BASE_CARD)
    for path, value in changes.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return data


_DELETE = object()
DELETE = _DELETE


def card(**changes: Any) -> RateCard:
    return RateCard.from_dict(card_dict(**changes), "test.toml")

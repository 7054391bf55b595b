"""CNC milling: stock from the bounding box, roughing from removed volume, finishing from area."""

from __future__ import annotations

import math

from geometry.errors import NotManufacturableError
from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, Stock


class MillingModel:
    process = Process.CNC_MILLING

    def __init__(self) -> None:
        self.params = read_data("processes.toml")["cnc_milling"]

    def check(self, features: PartFeatures, material: Material, machine_class: str) -> list[Finding]:
        findings: list[Finding] = []
        if self.process.value not in material.processes:
            findings.append(Finding(Severity.ERROR, "material_not_millable",
                                    f"{material.name} is not offered for CNC milling: choose another material",
                                    process=self.process.value))
        if features.volume_mm3 is None:
            findings.append(Finding(Severity.ERROR, "volume_unknown",
                                    "the part's volume cannot be measured ("
                                    + features.unmeasured.get("volume_mm3", "mesh not closed")
                                    + ")", process=self.process.value))
        if machine_class not in self.params["machine_classes"]:
            findings.append(Finding(Severity.ERROR, "machine_class_unknown",
                                    f"unknown milling machine class {machine_class!r}", process=self.process.value))
        return findings

    def estimate(self, features: PartFeatures, material: Material, machine_class: str) -> ProcessEstimate:
        findings = self.check(features, material, machine_class)
        errors = [f for f in findings if f.severity is Severity.ERROR]
        if errors:
            raise NotManufacturableError(errors[0].message, process=self.process.value, code_detail=errors[0].code)
        p = self.params
        machine = p["machine_classes"][machine_class]
        assumptions: list[str] = []
        allowance = float(p["stock_allowance_mm"])
        stock_dims = tuple(sorted((x + 2 * allowance for x in features.bbox_mm), reverse=True))
        stock_volume = math.prod(stock_dims)
        assert features.volume_mm3 is not None
        removed = max(stock_volume - features.volume_mm3, 0.0)
        stock_mass = stock_volume * material.density_kg_mm3
        removal_rate = float(material.removal_rate_mm3_min or 0) * machine["removal_rate_factor"]
        finishing_rate = float(material.finishing_rate_mm2_min or 0) * machine["finishing_rate_factor"]
        if removal_rate <= 0 or finishing_rate <= 0:
            raise NotManufacturableError(f"no milling rates for {material.name}", process=self.process.value)
        area = features.area_mm2 or 0.0
        if features.setups_3axis is not None:
            setups = max(1, len(features.setups_3axis))
        else:
            setups = int(p["default_setups"])
            assumptions.append(
                f"{setups} setups assumed: {features.unmeasured.get('setups_3axis', 'accessibility not measured')}"
            )
        ops = [
            Operation("programming", float(p["programming_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation(
                "setup",
                float(p["setup_first_min"]) + float(p["setup_additional_min"]) * (setups - 1),
                per_batch=True,
                inputs={"setups": setups},
            ),
            Operation(
                "roughing",
                removed / removal_rate,
                inputs={"removed_volume_mm3": round(removed, 1), "removal_rate_mm3_min": removal_rate},
            ),
            Operation(
                "finishing",
                area / finishing_rate,
                inputs={"finished_area_mm2": round(area, 1), "finishing_rate_mm2_min": finishing_rate},
            ),
            Operation(
                "handling_and_deburring",
                float(p["handling_min"]) * setups + float(p["deburr_min_per_100cm2"]) * area / 10_000.0,
                inputs={"setups": setups, "area_mm2": round(area, 1)},
            ),
        ]
        stock = Stock(
            description=f"{material.name} block {' x '.join(f'{d:.0f}' for d in stock_dims)} mm",
            dims_mm=stock_dims,
            mass_kg=stock_mass,
        )
        return ProcessEstimate(
            process=self.process,
            machine_class=machine_class,
            material=material.key,
            operations=ops,
            stock=stock,
            findings=findings,
            assumptions=assumptions,
        )

"""CNC turning: bar stock, roughing and finishing, parting off, secondary operations.

Bar: the next standard diameter above the largest diameter plus a radial allowance, cut to the
part length plus facing and the parting width. Roughing = removed volume / turning removal rate
(ISO group x machine class); finishing = turned area / finishing rate; parting off = radius /
parting feed; holes drilled with the shared drilling formula; every non-axisymmetric feature is a
secondary operation (live tooling, or a second chucking on a mill). Coefficients: processes.toml.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, Stock
from quoting.processes.common import (
    cutting_data,
    drill_operation_inputs,
    finding,
    machine_class_findings,
    material_findings,
    raise_on_errors,
    thresholds,
    volume_findings,
)
from quoting.processes.milling import standard_up


class TurningModel:
    process = Process.CNC_TURNING

    def __init__(self) -> None:
        self.params = read_data("processes.toml")["cnc_turning"]

    def check(
        self,
        features: PartFeatures,
        material: Material,
        machine_class: str,
        overrides: Mapping[str, float] | None = None,
    ) -> list[Finding]:
        t = thresholds(overrides)
        pr = self.process
        machines = self.params["machine_classes"]
        findings = material_findings(pr, material) + volume_findings(pr, features)
        findings += machine_class_findings(pr, machine_class, machines)
        turning = features.turning
        if turning is None:
            why = features.unmeasured.get("turning")
            if why and not features.mesh.from_brep:
                findings.append(finding(
                    pr, Severity.ERROR, "turning_not_measured",
                    f"whether the part is turned cannot be told ({why}): send a STEP file, or quote it for milling",
                ))
            else:
                findings.append(finding(
                    pr, Severity.ERROR, "turning_not_axisymmetric",
                    f"the part cannot be turned ({why or 'not a body of revolution'}): quote it for milling",
                ))
            return findings
        machine = machines.get(machine_class)
        if machine is not None and (
            turning.max_diameter_mm > float(machine["max_diameter_mm"])
            or turning.length_mm > float(machine["max_length_mm"])
        ):
            findings.append(finding(
                pr, Severity.ERROR, "turning_part_too_large",
                f"Ø{turning.max_diameter_mm:.1f} x {turning.length_mm:.1f} mm is larger than the {machine_class} "
                f"takes (Ø{float(machine['max_diameter_mm']):.0f} x {float(machine['max_length_mm']):.0f} mm): "
                "ask a workshop with a larger lathe",
            ))
        slender = turning.length_mm / turning.max_diameter_mm if turning.max_diameter_mm > 0 else math.inf
        if slender > t["turning_max_length_to_diameter"]:
            findings.append(finding(
                pr, Severity.WARNING, "turning_slender",
                f"length / diameter is {slender:.1f} (over {t['turning_max_length_to_diameter']:g}): the part "
                "needs a tailstock or steady rest and deflects under cut: shorten it or thicken it if you can",
            ))
        if turning.secondary_features:
            live = machine is not None and bool(machine.get("live_tooling"))
            where = "with live tooling" if live else "in a second operation on a mill"
            findings.append(finding(
                pr, Severity.INFO if live else Severity.WARNING, "turning_non_axisymmetric_features",
                f"features a lathe alone cannot make ({'; '.join(turning.secondary_features)}) are made {where}: "
                "drop them or move them on axis to save that operation",
            ))
        return findings

    def estimate(
        self,
        features: PartFeatures,
        material: Material,
        machine_class: str,
        overrides: Mapping[str, float] | None = None,
    ) -> ProcessEstimate:
        findings = self.check(features, material, machine_class, overrides)
        raise_on_errors(self.process, findings)
        t = thresholds(overrides)
        p = self.params
        machine = p["machine_classes"][machine_class]
        turning = features.turning
        assert turning is not None and features.volume_mm3 is not None
        cut = cutting_data(material)
        assumptions: list[str] = []

        bar_d = standard_up(turning.max_diameter_mm + 2 * float(p["radial_allowance_mm"]),
                            p["standard_bar_mm"], 5.0)
        bar_len = turning.length_mm + float(p["facing_allowance_mm"]) + float(p["parting_width_mm"])
        bar_volume = math.pi / 4.0 * bar_d**2 * bar_len
        removed = max(bar_volume - features.volume_mm3, 0.0)
        removal_rate = cut["turn_removal_rate_mm3_min"] * float(machine["removal_rate_factor"])
        finishing_rate = cut["turn_finishing_rate_mm2_min"] * float(machine["finishing_rate_factor"])
        area = features.area_mm2 or 0.0
        slender = turning.length_mm / turning.max_diameter_mm > t["turning_max_length_to_diameter"]
        live = bool(machine.get("live_tooling"))
        secondary = list(turning.secondary_features)

        setup = float(p["setup_first_min"]) + (float(p["tailstock_setup_min"]) if slender else 0.0)
        ops = [
            Operation("programming", float(p["programming_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation("setup", setup, per_batch=True, inputs={"tailstock": slender}),
            Operation("roughing", removed / removal_rate,
                      inputs={"bar_mm": (bar_d, round(bar_len, 1)), "removed_volume_mm3": round(removed, 1),
                              "removal_rate_mm3_min": removal_rate}),
            Operation("finishing", area / finishing_rate,
                      inputs={"turned_area_mm2": round(area, 1), "finishing_rate_mm2_min": finishing_rate}),
            Operation("parting_off", bar_d / 2.0 / cut["parting_feed_mm_min"],
                      inputs={"bar_diameter_mm": bar_d, "parting_feed_mm_min": cut["parting_feed_mm_min"]}),
        ]
        holes = features.holes
        if holes is None:
            assumptions.append(
                f"no drilling priced: holes not measured ({features.unmeasured.get('holes', 'no reason given')})"
            )
            holes = []
        for i, hole in enumerate(holes):
            minutes, inputs = drill_operation_inputs(hole, material, removal_rate)
            ops.append(Operation(f"drill_{i + 1}", minutes, inputs=inputs))
        if secondary:
            ops.append(Operation(
                "secondary_operations", float(p["secondary_feature_min"]) * len(secondary),
                inputs={"features": secondary, "live_tooling": live},
            ))
            if not live:
                ops.append(Operation("second_op_setup", float(p["second_op_setup_min"]), per_batch=True,
                                     inputs={"reason": "features off the turning axis"}))
                ops.append(Operation("second_op_handling", float(p["second_op_handling_min"])))
        tools = 3 + len({round(h.diameter_mm, 2) for h in holes})
        ops.append(Operation("tool_changes", tools * float(p["tool_change_min"]), inputs={"tools": tools}))
        ops.append(Operation("handling", float(machine["handling_min"]), inputs={"machine_class": machine_class}))
        ops.append(Operation("deburring", float(p["deburr_min_per_100cm2"]) * area / 10_000.0,
                             inputs={"area_mm2": round(area, 1)}))
        stock = Stock(
            description=f"{material.name} bar Ø{bar_d:.0f} x {bar_len:.0f} mm",
            dims_mm=(bar_d, bar_len),
            mass_kg=bar_volume * material.density_kg_mm3,
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

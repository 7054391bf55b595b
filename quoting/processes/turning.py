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
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.base import Operation, Plan, ProcessModel, Stock
from quoting.processes.common import cutting_data, drill_operation_inputs, finding
from quoting.processes.milling import standard_up


class TurningModel(ProcessModel):
    process = Process.CNC_TURNING

    def family_findings(self, features: PartFeatures, material: Material, machine_class: str,
                        limits: Mapping[str, float]) -> list[Finding]:
        pr = self.process
        turning = features.turning
        if turning is None:
            return [_not_turned(features)]
        findings: list[Finding] = []
        machine = self.machine_classes.get(machine_class)
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
        if slender > limits["turning_max_length_to_diameter"]:
            findings.append(finding(
                pr, Severity.WARNING, "turning_slender",
                f"length / diameter is {slender:.1f} (over {limits['turning_max_length_to_diameter']:g}): the part "
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

    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        p = self.params
        machine = self.machine_classes[machine_class]
        turning = features.turning
        assert turning is not None and features.volume_mm3 is not None
        cut = cutting_data(material)
        bar_d = standard_up(turning.max_diameter_mm + 2 * float(p["radial_allowance_mm"]),
                            p["standard_bar_mm"], 5.0)
        bar_len = turning.length_mm + float(p["facing_allowance_mm"]) + float(p["parting_width_mm"])
        bar_volume = math.pi / 4.0 * bar_d**2 * bar_len
        removed = max(bar_volume - features.volume_mm3, 0.0)
        removal_rate = cut["turn_removal_rate_mm3_min"] * float(machine["removal_rate_factor"])
        finishing_rate = cut["turn_finishing_rate_mm2_min"] * float(machine["finishing_rate_factor"])
        area = features.area_mm2 or 0.0
        slender = turning.length_mm / turning.max_diameter_mm > limits["turning_max_length_to_diameter"]
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
        assumptions: list[str] = []
        ops += self._secondary_operations(features, material, machine_class, removal_rate, assumptions)
        ops.append(Operation("deburring", float(p["deburr_min_per_100cm2"]) * area / 10_000.0,
                             inputs={"area_mm2": round(area, 1)}))
        stock = Stock(
            description=f"{material.name} bar Ø{bar_d:.0f} x {bar_len:.0f} mm",
            dims_mm=(bar_d, bar_len),
            mass_kg=bar_volume * material.density_kg_mm3,
        )
        return Plan(ops, stock, assumptions)

    def _secondary_operations(self, features: PartFeatures, material: Material, machine_class: str,
                              removal_rate: float, assumptions: list[str]) -> list[Operation]:
        """Drilling, features off the turning axis, tool changes and handling."""
        p = self.params
        machine = self.machine_classes[machine_class]
        assert features.turning is not None
        secondary = list(features.turning.secondary_features)
        live = bool(machine.get("live_tooling"))
        holes = features.holes
        if holes is None:
            assumptions.append(
                f"no drilling priced: holes not measured ({features.unmeasured.get('holes', 'no reason given')})"
            )
            holes = []
        ops = []
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
        return ops


def _not_turned(features: PartFeatures) -> Finding:
    """Why the part cannot be turned: not measured (a mesh), or not a body of revolution."""
    why = features.unmeasured.get("turning")
    if why and not features.mesh.from_brep:
        return finding(
            Process.CNC_TURNING, Severity.ERROR, "turning_not_measured",
            f"whether the part is turned cannot be told ({why}): send a STEP file, or quote it for milling",
        )
    return finding(
        Process.CNC_TURNING, Severity.ERROR, "turning_not_axisymmetric",
        f"the part cannot be turned ({why or 'not a body of revolution'}): quote it for milling",
    )

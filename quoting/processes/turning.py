"""CNC turning: bar stock, Kienzle roughing and finishing, facing, parting off, secondary operations.

Bar: the next standard diameter above the largest diameter plus a radial allowance, cut to the
part length plus facing and the parting width. Times come from cutting physics
(``quoting.processes.cutting``, data in ``cutting.toml``): roughing = removed volume / (vc x ap x f),
the cutting force from Kienzle (Fc = kc1.1 x h^(1-mc) x b) cutting the depth to the spindle torque
and the speed to its power and top speed; finishing and facing at vc x feed; parting off at the
grooving feed; holes on the axis drilled on the main spindle. Off-axis holes and flats are milling
minutes on the live tool when the lathe has one, else in a second operation on a 3-axis mill (its
own setup and handling). Loading is shared by bar-fed runs at higher quantities. Coefficients:
``processes.toml`` and ``cutting.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from geometry.features import Hole, PartFeatures, Turning
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.base import Fixturing, Operation, Pace, Plan, ProcessModel, Stock
from quoting.processes.common import drill_operation_inputs, finding
from quoting.processes.cutting import (
    Spindle,
    cutting_class,
    finishing_rates,
    milling_removal,
    parting_min,
    turning_finish_mm2_min,
    turning_removal,
)
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
        cut = cutting_class(material)
        spindle = Spindle.from_params(machine)
        bar_d = standard_up(turning.max_diameter_mm + 2 * float(p["radial_allowance_mm"]),
                            p["standard_bar_mm"], 5.0)
        bar_len = turning.length_mm + float(p["facing_allowance_mm"]) + float(p["parting_width_mm"])
        bar_volume = math.pi / 4.0 * bar_d**2 * bar_len
        removed = max(bar_volume - features.volume_mm3, 0.0)
        rough = turning_removal(cut, spindle, bar_d)
        removal_rate = rough.rate_mm3_min * float(p["rough_path_efficiency"])
        finish_rate = turning_finish_mm2_min(cut, spindle, turning.max_diameter_mm) * float(
            p["finish_path_efficiency"])
        area = features.area_mm2 or 0.0
        slender = turning.length_mm / turning.max_diameter_mm > limits["turning_max_length_to_diameter"]
        setup = float(p["setup_first_min"]) + (float(p["tailstock_setup_min"]) if slender else 0.0)
        face_area = math.pi / 4.0 * bar_d**2
        ops = [
            Operation("programming", float(p["programming_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation("first_article", float(p["first_article_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation("setup", setup, per_batch=True, inputs={"tailstock": slender}),
            Operation("facing", face_area / finish_rate,
                      inputs={"face_area_mm2": round(face_area, 1), "rate_mm2_min": round(finish_rate, 1)},
                      pace=Pace.TUNED),
            Operation("roughing", removed / removal_rate,
                      inputs={"bar_mm": (bar_d, round(bar_len, 1)), "removed_volume_mm3": round(removed, 1),
                              "cutting_class": cut.key, "path_efficiency": float(p["rough_path_efficiency"]),
                              **rough.inputs()}, pace=Pace.TUNED),
            Operation("finishing", area / finish_rate,
                      inputs={"turned_area_mm2": round(area, 1), "finishing_rate_mm2_min": round(finish_rate, 1)},
                      pace=Pace.TUNED),
            Operation("parting_off", parting_min(cut, spindle, bar_d),
                      inputs={"bar_diameter_mm": bar_d, "groove_feed_mm_rev": cut.groove_f_mm}, pace=Pace.TUNED),
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
        fixturing = Fixturing(int(p["fixture_parts_per_load"]), float(p["fixture_min"]))
        return Plan(ops, stock, assumptions, fixturing=fixturing)

    def _secondary_operations(self, features: PartFeatures, material: Material, machine_class: str,
                              removal_rate: float, assumptions: list[str]) -> list[Operation]:
        """Drilling on the axis, off-axis features milled (live tool or a second operation), tool changes
        and handling."""
        p = self.params
        machine = self.machine_classes[machine_class]
        turning = features.turning
        assert turning is not None
        live = bool(machine.get("live_tooling"))
        holes = features.holes
        if holes is None:
            assumptions.append(
                f"no drilling priced: holes not measured ({features.unmeasured.get('holes', 'no reason given')})"
            )
            holes = []
        main = Spindle.from_params(machine)
        mill = Spindle.from_params(machine, "live") if live else Spindle.from_params(
            read_data("processes.toml")["cnc_milling"]["machine_classes"]["3axis"])
        on_axis = [h for h in holes if _on_axis(h, turning)]
        off_axis = [h for h in holes if not _on_axis(h, turning)]
        ops = []
        for i, hole in enumerate(holes):
            minutes, inputs = drill_operation_inputs(hole, material, removal_rate, main if hole in on_axis else mill)
            inputs["on_axis"] = hole in on_axis
            ops.append(Operation(f"drill_{i + 1}", minutes, inputs=inputs, pace=Pace.TUNED))
        flats = [f for f in turning.secondary_features if "hole" not in f]
        if off_axis or flats:
            ops.append(self._milled_features(features, material, mill, len(off_axis), flats, live))
            if not live:
                ops.append(Operation("second_op_setup", float(p["second_op_setup_min"]), per_batch=True,
                                     inputs={"reason": "features off the turning axis"}))
                ops.append(Operation("second_op_handling", float(p["second_op_handling_min"]), per_load=True))
        tools = 4 + len({round(h.diameter_mm, 2) for h in holes}) + (1 if flats else 0)
        ops.append(Operation("tool_changes", tools * float(p["tool_change_min"]), inputs={"tools": tools},
                             per_load=True, pace=Pace.TUNED))
        ops.append(Operation("handling", float(machine["handling_min"]), inputs={"machine_class": machine_class},
                             per_load=True))
        return ops

    def _milled_features(self, features: PartFeatures, material: Material, mill: Spindle, holes: int,
                         flats: list[str], live: bool) -> Operation:
        """Off-axis features as milling minutes: each flat a pad of D x min(L, D), cut flat_depth_d x D deep
        and face-finished, plus positioning per feature; on the live tool or on a 3-axis mill."""
        p = self.params
        turning = features.turning
        assert turning is not None
        cut = cutting_class(material)
        milling = read_data("processes.toml")["cnc_milling"]
        tool = float(p["live_tool_mm"])
        rough = milling_removal(cut, mill, tool).rate_mm3_min * float(milling["rough_path_efficiency"])
        face = finishing_rates(cut, mill, milling).side_mm2_min * float(milling["finish_path_efficiency"])
        pad = turning.max_diameter_mm * min(turning.length_mm, turning.max_diameter_mm)
        depth = float(p["flat_depth_d"]) * turning.max_diameter_mm
        count = len(flats)
        minutes = count * (pad * depth / rough + pad / face) + (count + holes) * float(p["secondary_position_min"])
        return Operation("secondary_operations", minutes,
                         inputs={"features": list(turning.secondary_features), "live_tooling": live,
                                 "milled_faces": count, "off_axis_holes": holes, "pad_mm2": round(pad, 1),
                                 "removal_rate_mm3_min": round(rough, 1), "finish_rate_mm2_min": round(face, 1)},
                         pace=Pace.TUNED)


def _on_axis(hole: Hole, turning: Turning) -> bool:
    """Whether a hole is drilled along the turning axis (its axis parallel to it; position unknown: yes)."""
    dot = abs(sum(a * b for a, b in zip(hole.axis, turning.axis, strict=True)))
    return dot >= _PARALLEL_COS


#: a hole axis within about 2.5 degrees of the turning axis is on it
_PARALLEL_COS = 0.999


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

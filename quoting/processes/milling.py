"""CNC milling, 3-axis and 3+2 / 5-axis.

Stock: the bounding box plus an allowance, the thickness rounded up to a standard plate and the
other sides to the saw step; a round part (``turning`` measured) from standard round bar when
that is less material. Times come from cutting physics (``quoting.processes.cutting``, data in
``cutting.toml`` by ISO material group): roughing = removed volume / min(tool-limited, spindle-power-
limited) removal rate x path efficiency; finishing by face type (planar faces face-milled, walls
side-milled and slowed by the smallest end mill the part needs, freeform faces at the ball mill's
scallop stepover); drilling and tapping per hole (peck drilling for deep holes, helical
interpolation for non-standard diameters); setups from ``setups_3axis`` (a 5-axis machine reaches
five sides per clamping), 5-axis simultaneous finishing for faces no axis direction reaches; tool
changes and handling per load (shared on a fixture at higher quantities); deburring. Every
coefficient is in ``processes.toml`` and ``cutting.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.numeric import below, ceil_count, within
from quoting.process_kinds import Process
from quoting.processes.base import Fixturing, Operation, Pace, Plan, ProcessModel, Stock
from quoting.processes.common import (
    dims,
    drill_operation_inputs,
    finding,
    fits,
    hole_finding,
    is_standard_drill,
    nearest_standard_drill,
    tap_time_min,
    thin_wall_face_ids,
    thread_table,
)
from quoting.processes.cutting import CuttingClass, Spindle, cutting_class, finishing_rates, milling_removal

PLASTIC_FAMILIES = ("plastic", "resin")


def standard_up(value: float, sizes: list[float], step: float) -> float:
    """The smallest standard size >= value; beyond the list, value rounded up to ``step``."""
    for s in sorted(float(x) for x in sizes):
        if not below(s, value):
            return s
    return math.ceil(value / step) * step


def milling_stock(bbox_mm: tuple[float, float, float], params: Mapping[str, Any]) -> tuple[float, float, float]:
    """Stock block [mm], descending: plate thickness from the standard list, sides to the saw step."""
    allowance = float(params["stock_allowance_mm"])
    step = float(params["stock_saw_step_mm"])
    a, b, c = sorted((x + 2 * allowance for x in bbox_mm), reverse=True)
    thickness = standard_up(c, params["standard_plate_mm"], step)
    sides = sorted((ceil_count(a / step) * step, ceil_count(b / step) * step), reverse=True)
    big, middle, small = sorted((sides[0], sides[1], thickness), reverse=True)
    return big, middle, small


def milling_bar_stock(diameter_mm: float, length_mm: float, params: Mapping[str, Any]) -> tuple[float, float]:
    """Round bar [mm] (diameter, length): standard diameter above D + 2 allowances, length to the saw step."""
    allowance = float(params["stock_allowance_mm"])
    step = float(params["stock_saw_step_mm"])
    bars = read_data("processes.toml")["cnc_turning"]["standard_bar_mm"]
    return (standard_up(diameter_mm + 2 * allowance, bars, step),
            ceil_count((length_mm + 2 * allowance) / step) * step)


def finishing_tool_mm(min_internal_radius_mm: float, params: Mapping[str, Any]) -> float:
    """The largest standard end mill whose radius fits the smallest internal corner (with clearance)."""
    mills = sorted(float(x) for x in params["standard_end_mills_mm"])
    limit = min_internal_radius_mm * float(params["tool_radius_clearance"])
    fitting = [d for d in mills if within(d / 2.0, limit)]
    return fitting[-1] if fitting else mills[0]


class MillingModel(ProcessModel):
    process = Process.CNC_MILLING

    # --- DFM -------------------------------------------------------------------------------
    def family_findings(self, features: PartFeatures, material: Material, machine_class: str,
                        limits: Mapping[str, float]) -> list[Finding]:
        machine = self.machine_classes.get(machine_class)
        findings: list[Finding] = []
        if machine is not None and not fits(features.bbox_mm, machine["travel_mm"]):
            findings.append(finding(
                self.process, Severity.ERROR, "cnc_part_too_large",
                f"the part ({dims(features.bbox_mm)} mm) is larger than the {machine_class} machine's travel "
                f"({dims(machine['travel_mm'])} mm): split it into parts or ask a workshop with a larger machine",
            ))
        findings += _corner_findings(features, limits)
        findings += _hole_findings(features, limits)
        findings += _pocket_findings(features, limits)
        findings += _wall_findings(features, material, limits)
        five_axis = machine is not None and bool(machine.get("five_axis"))
        findings += _reach_findings(features, five_axis)
        return findings

    # --- estimate --------------------------------------------------------------------------
    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        p = self.params
        machine = self.machine_classes[machine_class]
        five_axis = bool(machine.get("five_axis"))
        assumptions: list[str] = []
        stock_dims, stock_volume, stock_kind = self._stock(features)
        assert features.volume_mm3 is not None
        removed = max(stock_volume - features.volume_mm3, 0.0)
        spindle = Spindle.from_params(machine)
        cut = cutting_class(material)
        rough = milling_removal(cut, spindle, float(p["rough_tool_mm"]))
        removal_rate = rough.rate_mm3_min * float(p["rough_path_efficiency"])
        tool, tool_factor = self._finishing_tool(features, assumptions)
        setups_3, setups = self._setups(features, five_axis, assumptions)
        finish = _Finishing.of(features, cut, spindle, p, tool_factor)
        ops = [
            Operation("programming", float(p["programming_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation("first_article", float(p["first_article_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation(
                "setup",
                float(p["setup_first_min"]) + float(p["setup_additional_min"]) * (setups - 1),
                per_batch=True,
                inputs={"setups": setups, "setups_3axis": setups_3, "five_axis": five_axis},
            ),
            Operation(
                "roughing",
                removed / removal_rate,
                inputs={"stock_mm": stock_dims, "removed_volume_mm3": round(removed, 1),
                        "removal_rate_mm3_min": round(removal_rate, 1), "cutting_class": cut.key,
                        "path_efficiency": float(p["rough_path_efficiency"]), **rough.inputs()},
                pace=Pace.TUNED,
            ),
            Operation("finishing", finish.minutes,
                      inputs={**finish.inputs, "smallest_tool_mm": tool, "tool_factor": round(tool_factor, 3)},
                      pace=Pace.TUNED),
        ]
        unreachable = features.unreachable_area_mm2
        if unreachable and five_axis:
            rate = finish.freeform_mm2_min * float(p["simultaneous_rate_factor"])
            ops.append(Operation(
                "five_axis_finishing", unreachable / rate,
                inputs={"unreachable_area_mm2": round(unreachable, 1), "rate_mm2_min": round(rate, 1)},
                pace=Pace.TUNED,
            ))
        holes = _hole_operations(features, material, removal_rate, spindle, assumptions)
        ops += holes.operations
        ops += self._finishing_operations(features.area_mm2 or 0.0, setups, holes)
        shown = f"Ø{stock_dims[0]:.0f} x {stock_dims[1]:.0f}" if stock_kind == "round bar" else " x ".join(
            f"{d:.0f}" for d in stock_dims)
        stock = Stock(
            description=f"{material.name} {stock_kind} {shown} mm",
            dims_mm=stock_dims,
            mass_kg=stock_volume * material.density_kg_mm3,
        )
        fixturing = Fixturing(int(p["fixture_parts_per_load"]), float(p["fixture_min"]))
        return Plan(ops, stock, assumptions, fixturing=fixturing)

    def _stock(self, features: PartFeatures) -> tuple[tuple[float, ...], float, str]:
        """Stock dimensions [mm], volume [mm3] and kind: plate, or round bar when that is less material."""
        stock_dims: tuple[float, ...] = milling_stock(features.bbox_mm, self.params)
        stock_volume = math.prod(stock_dims)
        if features.turning is not None:
            bar = milling_bar_stock(features.turning.max_diameter_mm, features.turning.length_mm, self.params)
            bar_volume = math.pi / 4.0 * bar[0] ** 2 * bar[1]
            if bar_volume < stock_volume:
                return bar, bar_volume, "round bar"
        return stock_dims, stock_volume, "plate"

    def _finishing_tool(self, features: PartFeatures, assumptions: list[str]) -> tuple[float, float]:
        """The finishing end mill [mm] and its rate factor against the reference tool."""
        p = self.params
        reference_tool = float(p["finishing_reference_tool_mm"])
        if features.min_internal_radius_mm is not None:
            tool = finishing_tool_mm(features.min_internal_radius_mm, p)
        else:
            tool = reference_tool
            assumptions.append(
                f"finishing with a Ø{tool:g} mm end mill assumed: internal radii not measured "
                f"({features.unmeasured.get('min_internal_radius_mm', 'no reason given')})"
            )
        return tool, min(1.0, (tool / reference_tool) ** float(p["finishing_tool_exponent"]))

    def _setups(self, features: PartFeatures, five_axis: bool, assumptions: list[str]) -> tuple[int, int]:
        """(3-axis setups, setups on this machine: a 5-axis machine reaches five sides per clamping)."""
        unmeasured = features.unmeasured
        if features.setups_3axis is not None:
            setups_3 = max(1, len(features.setups_3axis))
        else:
            setups_3 = int(self.params["default_setups"])
            assumptions.append(
                f"{setups_3} setups assumed: {unmeasured.get('setups_3axis', 'accessibility not measured')}"
            )
        if features.unreachable_area_mm2 is None:
            assumptions.append(
                "every face assumed reachable from an axis direction: "
                f"{unmeasured.get('unreachable_area_mm2', 'accessibility not measured')}"
            )
        return setups_3, (min(setups_3, 2) if five_axis else setups_3)

    def _finishing_operations(self, area: float, setups: int, holes: _Holes) -> list[Operation]:
        """Tool changes, handling per setup and deburring."""
        p = self.params
        tools = 2 + holes.drills + holes.taps + 1  # roughing, finishing, drills, taps, chamfer mill
        changes = tools + 2 * (setups - 1)
        return [
            Operation("tool_changes", changes * float(p["tool_change_min"]),
                      inputs={"tools": tools, "changes": changes}, per_load=True, pace=Pace.TUNED),
            Operation("handling", float(p["handling_min_per_setup"]) * setups, inputs={"setups": setups},
                      per_load=True),
            Operation(
                "deburring",
                float(p["deburr_min_per_100cm2"]) * area / 10_000.0 + float(p["deburr_min_per_hole"]) * holes.count,
                inputs={"area_mm2": round(area, 1), "holes": holes.count},
            ),
        ]


#: surface kinds finished as walls (side milling) and as freeform (ball mill); planes are face-milled
_WALL_KINDS = ("cylinder", "cone")
_FREEFORM_KINDS = ("sphere", "torus", "bspline", "other")


@dataclass(frozen=True)
class _Finishing:
    """Finishing minutes by face type, the freeform rate (5-axis finishing uses it) and the inputs."""

    minutes: float
    freeform_mm2_min: float
    inputs: dict[str, Any]

    @classmethod
    def of(cls, features: PartFeatures, cut: CuttingClass, spindle: Spindle, params: Mapping[str, Any],
           tool_factor: float) -> "_Finishing":
        """Planar faces face-milled, walls side-milled (slowed by the smallest tool), freeform by scallop.

        Pockets (floors and walls, from their opening and depth) are finished with the end mill, as walls.
        Drilled hole walls are left out (the drill makes them). Without face types (a mesh) every face is
        taken as a wall. Each face gets ``finishing_passes`` passes at the path efficiency.
        """
        rates = finishing_rates(cut, spindle, params)
        share = float(params["finish_path_efficiency"]) / float(params["finishing_passes"])
        area = features.area_mm2 or 0.0
        drilled = sum(math.pi * h.diameter_mm * h.depth_mm for h in features.holes or [])
        if features.faces is not None and features.faces.area_mm2_by_kind:
            by_kind = features.faces.area_mm2_by_kind
            # pocket floors and walls are out of a face mill's reach: the end mill finishes them
            pockets = sum(2.0 * sum(p.opening_mm) * p.depth_mm + math.prod(p.opening_mm)
                          for p in features.pockets or [])
            planar = max(by_kind.get("plane", 0.0) - pockets, 0.0)
            walls = max(sum(by_kind.get(k, 0.0) for k in _WALL_KINDS) - drilled, 0.0) + min(
                pockets, by_kind.get("plane", 0.0))
            freeform = sum(by_kind.get(k, 0.0) for k in _FREEFORM_KINDS)
            how = "by face type"
        else:
            planar, walls, freeform = 0.0, area, 0.0
            how = "face types not measured: every face finished as a wall"
        face_rate = rates.face_mm2_min * share
        side_rate = rates.side_mm2_min * share * tool_factor
        free_rate = rates.scallop_mm2_min * share
        minutes = planar / face_rate + walls / side_rate + freeform / free_rate
        inputs = {"finished_area_mm2": round(area, 1), "faces": how,
                  "planar_mm2": round(planar, 1), "wall_mm2": round(walls, 1), "freeform_mm2": round(freeform, 1),
                  "face_rate_mm2_min": round(face_rate, 1), "side_rate_mm2_min": round(side_rate, 1),
                  "freeform_rate_mm2_min": round(free_rate, 1), "ball_stepover_mm": round(rates.stepover_ball_mm, 3)}
        return cls(minutes, free_rate, inputs)


@dataclass(frozen=True)
class _Holes:
    """Drilling and tapping operations, with the distinct drills and taps they need and the hole count."""

    operations: list[Operation]
    drills: int
    taps: int
    count: int


def _hole_operations(features: PartFeatures, material: Material, removal_rate: float, spindle: Spindle,
                     assumptions: list[str]) -> _Holes:
    holes = features.holes
    if holes is None:
        assumptions.append(
            f"no drilling priced: holes not measured ({features.unmeasured.get('holes', 'no reason given')})"
        )
        holes = []
    threads = thread_table()
    ops: list[Operation] = []
    drills: set[float] = set()
    taps: set[str] = set()
    tapped: list[str] = []
    for i, hole in enumerate(holes):
        minutes, inputs = drill_operation_inputs(hole, material, removal_rate, spindle)
        ops.append(Operation(f"drill_{i + 1}", minutes, inputs=inputs, pace=Pace.TUNED))
        drills.add(round(hole.diameter_mm, 2))
        thread = threads.get(hole.likely_tap or "")
        if thread is not None and hole.likely_tap is not None:
            depth = min(hole.depth_mm, float(read_data("finishes.toml")["threads"]["depth_diameters"])
                        * thread["diameter_mm"])
            ops.append(Operation(
                f"tap_{i + 1}", tap_time_min(thread["diameter_mm"], thread["pitch_mm"], depth, material),
                inputs={"thread": hole.likely_tap, "depth_mm": round(depth, 2), "pitch_mm": thread["pitch_mm"]},
                pace=Pace.TUNED,
            ))
            taps.add(str(hole.likely_tap))
            tapped.append(hole.likely_tap)
    if tapped:
        assumptions.append(
            f"{len(tapped)} hole(s) sized as tap drills are tapped ({', '.join(sorted(set(tapped)))}): "
            "say so if they are plain holes"
        )
    return _Holes(ops, len(drills), len(taps), len(holes))


def _corner_findings(features: PartFeatures, limits: Mapping[str, float]) -> list[Finding]:
    r = features.min_internal_radius_mm
    if r is None:
        return []
    if r < limits["cnc_min_tool_radius_mm"]:
        return [finding(
            Process.CNC_MILLING, Severity.WARNING, "cnc_internal_radius_too_small",
            f"internal corners of R{r:.2f} mm are sharper than the smallest end mill "
            f"(R{limits['cnc_min_tool_radius_mm']:.2f} mm): add fillets of at least "
            f"R{limits['cnc_min_tool_radius_mm']:.1f} mm (larger mills faster), or accept EDM corners",
            _corner_faces(features, limits["cnc_min_tool_radius_mm"]),
        )]
    if r < limits["cnc_small_radius_info_mm"]:
        return [finding(
            Process.CNC_MILLING, Severity.INFO, "cnc_small_internal_radius",
            f"internal corners of R{r:.2f} mm need a small end mill, which finishes slowly: "
            f"R{limits['cnc_small_radius_info_mm']:.1f} mm or more is cheaper",
            _corner_faces(features, limits["cnc_small_radius_info_mm"]),
        )]
    return []


def _corner_faces(features: PartFeatures, limit_mm: float) -> tuple[int, ...]:
    """The internal corners' faces with a radius under ``limit_mm`` (``PartFeatures.internal_radius_faces``)."""
    return tuple(f.face_id for f in features.internal_radius_faces or () if f.radius_mm < limit_mm)


def _hole_findings(features: PartFeatures, limits: Mapping[str, float]) -> list[Finding]:
    findings: list[Finding] = []
    for hole in features.holes or []:
        ratio = hole.depth_mm / hole.diameter_mm if hole.diameter_mm > 0 else math.inf
        if ratio > limits["cnc_max_hole_depth_to_diameter"]:
            findings.append(hole_finding(
                Process.CNC_MILLING, Severity.WARNING, "cnc_deep_hole", hole,
                f"hole Ø{hole.diameter_mm:.2f} mm is {hole.depth_mm:.1f} mm deep ({ratio:.1f} x Ø, over "
                f"{limits['cnc_max_hole_depth_to_diameter']:g} x Ø): make it shallower or wider, or expect gun "
                "drilling",
            ))
        if hole.likely_tap is None and not is_standard_drill(hole.diameter_mm,
                                                             limits["cnc_standard_drill_tolerance_mm"]):
            # the hint comes from the same drill table as the test (the geometry's finer table would
            # suggest a "standard" size this shop's table does not stock: 6.60 -> "use 6.6 mm")
            near = nearest_standard_drill(hole.diameter_mm)
            hint = f"use the standard drill Ø{near:g} mm"
            findings.append(hole_finding(
                Process.CNC_MILLING, Severity.INFO, "cnc_nonstandard_hole", hole,
                f"hole Ø{hole.diameter_mm:.2f} mm is not a standard drill size: {hint}, "
                "otherwise it is milled (slower)",
            ))
    return findings


def _pocket_findings(features: PartFeatures, limits: Mapping[str, float]) -> list[Finding]:
    return [finding(
        Process.CNC_MILLING, Severity.WARNING, "cnc_deep_pocket",
        f"a pocket is {pocket.depth_mm:.1f} mm deep for {min(pocket.opening_mm):.1f} mm wide "
        f"({pocket.depth_to_width:.1f} x, over {limits['cnc_max_pocket_depth_to_width']:g} x): "
        "make it shallower or wider, long-reach tools chatter",
        pocket.face_ids,
    ) for pocket in features.pockets or [] if pocket.depth_to_width > limits["cnc_max_pocket_depth_to_width"]]


def _wall_findings(features: PartFeatures, material: Material, limits: Mapping[str, float]) -> list[Finding]:
    wall = features.min_wall_thickness_mm
    if wall is None:
        return []
    plastic = material.family in PLASTIC_FAMILIES
    limit = limits["cnc_min_wall_plastic_mm"] if plastic else limits["cnc_min_wall_metal_mm"]
    if wall >= limit:
        return []
    return [finding(
        Process.CNC_MILLING, Severity.WARNING, "cnc_thin_wall",
        f"walls down to {wall:.2f} mm are thinner than {limit:g} mm, the least a "
        f"{'plastic' if plastic else 'metal'} wall survives milling: thicken them",
        thin_wall_face_ids(features, limit),
    )]


def _reach_findings(features: PartFeatures, five_axis: bool) -> list[Finding]:
    unreachable = features.unreachable_area_mm2
    if unreachable is None or unreachable <= 0:
        return []
    reach_faces = [f.face_id for f in features.unreachable_faces or ()]
    if five_axis:
        return [finding(
            Process.CNC_MILLING, Severity.INFO, "cnc_needs_5axis",
            f"{unreachable:.0f} mm2 of faces are reachable from no axis direction: finished in "
            "5-axis simultaneous (slower)",
            reach_faces, features.unreachable_centroid_mm,
        )]
    return [finding(
        Process.CNC_MILLING, Severity.ERROR, "cnc_unreachable_faces",
        f"{unreachable:.0f} mm2 of faces (undercuts) are reachable from no axis direction: "
        "remove the undercuts or ask a 5-axis workshop",
        reach_faces, features.unreachable_centroid_mm,
    )]

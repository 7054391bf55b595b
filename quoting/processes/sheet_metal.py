"""Sheet metal: fiber-laser cutting, press-brake bending and nesting on standard sheets.

Laser: cut length / speed (material table, interpolated by thickness, x machine class factor),
plus pierces x pierce time (grows with thickness) and a rapid move per contour: the inner contours
the geometry counts (``SheetMetal.pierces``) plus the outline (``priced_pierces``). Brake: bends
x time per bend with its handling (by thickness) x a handling factor by part size, a tool setup per distinct inner radius. Sheet:
the flat outline box packed on each standard sheet (``nesting.parts_on_sheet``), the sheet with
the best utilisation chosen; a part carries its share of that sheet's mass. DXF flat parts come
here with zero bends. Coefficients: processes.toml [sheet_metal], materials.toml (speeds, K, r).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from geometry.features import Bend, Hole, PartFeatures, SheetMetal
from geometry.findings import Finding, Severity
from quoting.materials import Material
from quoting.numeric import TIE, below
from quoting.process_kinds import Process
from quoting.processes.base import Nesting, Operation, Pace, Plan, ProcessModel, Stock
from quoting.processes.common import dims, finding, fits, hole_finding
from quoting.processes.nesting import parts_on_sheet
from quoting.processes.sheet_secondary import MachinedFeatures, secondary_operations


def priced_pierces(sheet: SheetMetal) -> int:
    """Pierces (one per contour) the laser makes: the inner contours ``sheet.pierces`` counts, plus the outline.

    The one place the outline's pierce is priced: the geometry (B-rep and DXF) never counts it.
    """
    return max(0, sheet.pierces) + 1


def pierce_time_min(thickness_mm: float, params: Mapping[str, Any]) -> float:
    return (float(params["pierce_base_s"]) + float(params["pierce_s_per_mm"]) * thickness_mm) / 60.0


def hole_bend_distance_mm(hole: Hole, bend: Bend, thickness_mm: float) -> float | None:
    """Distance from a hole's edge to a bend [mm]: to the nearest tangent line where a flat flange leaves it.

    Measured in the flange the hole is in (its centre within the flange's thickness), across the
    bend line, from the hole's edge (centre distance minus the radius) to the tangent line, taken as
    a segment of the bend's length (a hole beside the bend's end measures to that end); 0 for a hole
    in the bend itself. ``None`` when the bend's location is unknown (no tangent lines) or the hole
    is in none of its flanges nor in the bend (another leg: another bend's concern).
    """
    if hole.position_mm is None or not bend.tangent_points_mm or not bend.flange_directions or bend.axis is None \
            or bend.axis_point_mm is None:
        return None
    t = thickness_mm
    centre = np.asarray(hole.position_mm, dtype=float)
    axis = np.asarray(bend.axis, dtype=float)
    axis /= np.linalg.norm(axis) or 1.0
    middle = np.asarray(bend.axis_point_mm, dtype=float)
    rel = centre - middle
    beyond_end = max(0.0, abs(float(rel @ axis)) - bend.length_mm / 2.0)
    behind = 0
    best: float | None = None
    for point, direction in zip(bend.tangent_points_mm, bend.flange_directions, strict=True):
        tangent = np.asarray(point, dtype=float)
        across = np.asarray(direction, dtype=float)
        radial = tangent - middle
        radial /= np.linalg.norm(radial) or 1.0
        offset = float((centre - tangent) @ radial)  # 0 on the inner face, t on the outer one
        along = float((centre - tangent) @ across)
        if along < 0:
            behind += 1
        if not -0.5 * t <= offset <= 1.5 * t or along < 0:
            continue
        d = math.hypot(along, beyond_end) - hole.diameter_mm / 2.0
        best = d if best is None else min(best, d)
    radius = float(np.linalg.norm(rel - (rel @ axis) * axis))
    if behind == len(bend.tangent_points_mm) and bend.inner_radius_mm - 0.5 * t <= radius \
            <= bend.inner_radius_mm + 1.5 * t:
        best = math.hypot(0.0, beyond_end) - hole.diameter_mm / 2.0  # in the bend zone itself
    return best


def _lead_ins(pierces: int, thickness_mm: float, speed_mm_min: float, params: Mapping[str, Any]) -> Operation:
    """The lead-in cut from each pierce to its contour (pierced off the line so the hole does not mark the edge)."""
    length = float(params["lead_in_base_mm"]) + float(params["lead_in_per_mm_thickness"]) * thickness_mm
    return Operation("lead_ins", pierces * length / speed_mm_min,
                     inputs={"lead_ins": pierces, "lead_in_mm": round(length, 2)}, pace=Pace.MACHINE)


def bend_time_s(thickness_mm: float, params: Mapping[str, Any]) -> float:
    """Run time of one bend with its handling [s]: the last row of ``bend_s_by_thickness`` the sheet reaches."""
    table = sorted((float(a), float(b)) for a, b in params["bend_s_by_thickness"])
    seconds = table[0][1]
    for start_mm, value_s in table:
        if thickness_mm >= start_mm:
            seconds = value_s
    return seconds


def bend_handling_factor(size_mm: float, params: Mapping[str, Any]) -> float:
    """Handling factor of a bend by the flat part's largest size (table, steps)."""
    table = sorted((float(a), float(b)) for a, b in params["bend_handling"])
    for limit, factor in table:
        if size_mm <= limit:
            return factor
    return table[-1][1]


def best_nesting(
    sheet: SheetMetal, material: Material, params: Mapping[str, Any], bed_mm: tuple[float, float]
) -> Nesting | None:
    """The standard sheet (fitting the bed) with the best utilisation, or None if none takes the part."""
    gap = max(float(params["nest_gap_min_mm"]), sheet.thickness_mm)
    margin = float(params["nest_margin_mm"])
    best: Nesting | None = None
    for w, h in params["standard_sheets_mm"]:
        size = (float(max(w, h)), float(min(w, h)))
        if not fits(size, bed_mm):
            continue
        n = parts_on_sheet(size, sheet.flat_bbox_mm, gap, margin)
        if n < 1:
            continue
        area = size[0] * size[1]
        utilisation = n * sheet.flat_area_mm2 / area
        candidate = Nesting(
            sheet_mm=size, parts_per_sheet=n, utilisation=utilisation,
            sheet_mass_kg=area * sheet.thickness_mm * material.density_kg_mm3, gap_mm=gap, margin_mm=margin,
        )
        if best is None or utilisation > best.utilisation + TIE:
            best = candidate
    return best


class SheetMetalModel(ProcessModel):
    process = Process.SHEET_METAL
    checks_volume = False

    def family_findings(self, features: PartFeatures, material: Material, machine_class: str,
                        limits: Mapping[str, float]) -> list[Finding]:
        sheet = features.sheet_metal
        if sheet is None:
            return [_not_sheet(features)]
        machine = self.machine_classes.get(machine_class)
        findings = _sheet_findings(features, sheet, material, limits)
        if machine is not None:
            findings += _machine_findings(sheet, machine, machine_class)
        findings += _bend_findings(sheet, material, limits)
        findings += self._holes_near_bends(sheet, features, limits)
        findings += _depth_findings(features)
        t = sheet.thickness_mm
        min_hole = limits["sheet_min_hole_diameter_thickness_factor"] * t
        for hole in features.holes or []:
            if below(hole.diameter_mm, min_hole):
                findings.append(hole_finding(
                    self.process, Severity.WARNING, "sheet_hole_too_small", hole,
                    f"hole Ø{hole.diameter_mm:.2f} mm is smaller than the sheet thickness ({t:g} mm): "
                    f"make it at least Ø{min_hole:.1f} mm or drill it afterwards",
                ))
        if machine is not None and fits(sheet.flat_bbox_mm, _bed_mm(machine)):
            if best_nesting(sheet, material, self.params, _bed_mm(machine)) is None:
                findings.append(finding(
                    self.process, Severity.ERROR, "sheet_larger_than_stock",
                    f"the flat pattern ({dims(sheet.flat_bbox_mm)} mm) fits no standard sheet: split the part",
                ))
        return findings

    def _holes_near_bends(self, sheet: SheetMetal, features: PartFeatures, t_: Mapping[str, float]) -> list[Finding]:
        """Holes whose edge is closer than factor x t + r to a bend (``hole_bend_distance_mm``)."""
        out: list[Finding] = []
        t = sheet.thickness_mm
        factor = t_["sheet_hole_to_bend_thickness_factor"]
        for i, b in enumerate(sheet.bends):
            limit = factor * t + b.inner_radius_mm
            for hole in features.holes or []:
                distance = hole_bend_distance_mm(hole, b, t)
                if distance is not None and below(distance, limit):
                    out.append(hole_finding(
                        self.process, Severity.WARNING, "sheet_hole_near_bend", hole,
                        f"hole Ø{hole.diameter_mm:.2f} mm is {max(distance, 0):.1f} mm from bend {i + 1}, closer "
                        f"than {limit:.1f} mm ({factor:g}t + r): it will distort when bent: move it away "
                        "from the bend",
                    ))
        return out

    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        p = self.params
        machine = self.machine_classes[machine_class]
        sheet = features.sheet_metal
        assert sheet is not None
        t = sheet.thickness_mm
        speed = float(material.laser_speed_mm_min(t) or 0.0) * float(machine["laser_speed_factor"])
        nest = best_nesting(sheet, material, p, _bed_mm(machine))
        assert nest is not None and speed > 0
        assumptions: list[str] = []
        if features.holes is None and features.source.format.value != "dxf":
            assumptions.append("hole sizes not measured: holes smaller than the thickness are not flagged")
        pierce = pierce_time_min(t, p)
        pierces = priced_pierces(sheet)
        ops = [
            Operation("laser_programming", float(p["laser_programming_min"]), per_batch=True,
                      inputs={"per": "batch"}),
            Operation("laser_setup", float(p["laser_setup_min"]), per_batch=True, inputs={"per": "batch"}),
            Operation("laser_cutting", sheet.cut_length_mm / speed,
                      inputs={"cut_length_mm": round(sheet.cut_length_mm, 1), "thickness_mm": t,
                              "speed_mm_min": round(speed, 1)}, pace=Pace.MACHINE),
            Operation("piercing", pierces * pierce,
                      inputs={"pierces": pierces, "pierce_s": round(pierce * 60.0, 2)}, pace=Pace.MACHINE),
            Operation("laser_rapids", pierces * float(p["rapid_s_per_contour"]) / 60.0,
                      inputs={"contours": pierces}, pace=Pace.MACHINE),
            _lead_ins(pierces, t, speed, p),
            Operation("sheet_handling", float(p["sheet_load_min"]) / nest.parts_per_sheet,
                      inputs={"sheet_load_min": float(p["sheet_load_min"]), "parts_per_sheet": nest.parts_per_sheet}),
            Operation("unloading", float(p["unload_min_per_part"]), inputs={}),
            *self._bend_operations(sheet),
            Operation("deburring", float(p["deburr_min_per_m_cut"]) * sheet.cut_length_mm / 1000.0,
                      inputs={"cut_length_mm": round(sheet.cut_length_mm, 1)}, pace=Pace.STANDARD),
            *secondary_operations(MachinedFeatures.of(features), material, p["secondary"]),
        ]
        stock = Stock(
            description=(
                f"{material.name} sheet {t:g} mm, {nest.sheet_mm[0]:.0f} x {nest.sheet_mm[1]:.0f} mm, "
                f"{nest.parts_per_sheet} parts per sheet ({nest.utilisation:.0%} used)"
            ),
            dims_mm=(sheet.flat_bbox_mm[0], sheet.flat_bbox_mm[1], t),
            mass_kg=nest.sheet_mass_kg / nest.parts_per_sheet,
        )
        return Plan(ops, stock, assumptions, nesting=nest)

    def _bend_operations(self, sheet: SheetMetal) -> list[Operation]:
        """Press-brake programming, setup (a tool per distinct inner radius) and bends; none without bends."""
        if not sheet.bends:
            return []
        p = self.params
        size = max(sheet.flat_bbox_mm)
        factor = bend_handling_factor(size, p)
        radii = sorted({round(b.inner_radius_mm, 2) for b in sheet.bends})
        per_bend_s = bend_time_s(sheet.thickness_mm, p)
        return [
            Operation("brake_programming", float(p["brake_programming_min"]), per_batch=True,
                      inputs={"per": "batch"}),
            Operation(
                "brake_setup",
                float(p["brake_setup_first_min"]) + float(p["brake_setup_per_radius_min"]) * (len(radii) - 1),
                per_batch=True, inputs={"distinct_radii_mm": radii},
            ),
            Operation(
                "bending", len(sheet.bends) * per_bend_s * factor / 60.0,
                inputs={"bends": len(sheet.bends), "bend_s": per_bend_s,
                        "handling_factor": factor, "flat_size_mm": round(size, 1)},
                pace=Pace.STANDARD,
            ),
        ]


def _bed_mm(machine: Mapping[str, Any]) -> tuple[float, float]:
    """The laser bed of a machine class [mm]."""
    x, y = (float(v) for v in machine["bed_mm"])
    return x, y


def _not_sheet(features: PartFeatures) -> Finding:
    """Why the part is no sheet part: not measured (a mesh), or not one bent sheet."""
    why = features.unmeasured.get("sheet_metal")
    if why and not features.mesh.from_brep:
        return finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_not_measured",
            f"whether the part is a bent sheet cannot be told ({why}): send a STEP file (or a DXF of a "
            "flat part with its thickness), or quote it for milling or printing",
        )
    return finding(
        Process.SHEET_METAL, Severity.ERROR, "sheet_not_sheet",
        f"the part cannot be made from one bent sheet{f' ({why})' if why else ''}: "
        "quote it for milling or printing",
    )


def _sheet_findings(features: PartFeatures, sheet: SheetMetal, material: Material,
                    limits: Mapping[str, float]) -> list[Finding]:
    """The laser cuts the sheet's thickness, and the part has one thickness."""
    findings: list[Finding] = []
    t = sheet.thickness_mm
    if material.accepts(Process.SHEET_METAL.value) and material.laser_speed_mm_min(t) is None:
        limit = material.laser_max_thickness_mm
        findings.append(finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_too_thick",
            f"{t:.1f} mm {material.name} is thicker than the laser cuts"
            + (f" ({limit:g} mm at most)" if limit else " (no laser data for this material)")
            + ": choose a thinner sheet or another process",
        ))
    # the median wall (area-weighted) is the sheet; thin in-plane spots (narrow tabs) are not thickness
    median = features.wall_thickness_p50_mm
    frac = limits["sheet_thickness_variation_fraction"]
    if median is not None and abs(median - t) > frac * t:
        findings.append(finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_thickness_not_constant",
            f"the typical wall is {median:.2f} mm against a {t:.2f} mm sheet: a sheet part has one "
            "thickness: make every wall the same thickness or quote it for milling",
        ))
    return findings


def _machine_findings(sheet: SheetMetal, machine: Mapping[str, Any], machine_class: str) -> list[Finding]:
    """The flat pattern fits the laser bed, and the bends the press brake."""
    findings: list[Finding] = []
    bed = _bed_mm(machine)
    if not fits(sheet.flat_bbox_mm, bed):
        findings.append(finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_part_too_large",
            f"the flat pattern ({dims(sheet.flat_bbox_mm)} mm) is larger than the laser bed "
            f"({dims(bed)} mm): split the part",
        ))
    brake = float(machine["brake_length_mm"])
    if sheet.bends and brake <= 0:
        findings.append(finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_no_brake",
            f"the {machine_class} class has no press brake and the part has {len(sheet.bends)} bend(s): "
            "ask a workshop with a brake",
        ))
        return findings
    too_long = next((b for b in sheet.bends if b.length_mm > brake), None)
    if too_long is not None:
        findings.append(finding(
            Process.SHEET_METAL, Severity.ERROR, "sheet_bend_too_long",
            f"a bend {too_long.length_mm:.0f} mm long does not fit the {brake:.0f} mm press brake: "
            "shorten or split it",
        ))
    return findings


def _bend_findings(sheet: SheetMetal, material: Material, limits: Mapping[str, float]) -> list[Finding]:
    """Inner radii the material takes without cracking, flanges the brake can hold."""
    findings: list[Finding] = []
    t = sheet.thickness_mm
    min_r = (material.min_bend_radius_t or 0.0) * t
    flange_min = limits["sheet_min_flange_thickness_factor"] * t
    for i, b in enumerate(sheet.bends):
        if below(b.inner_radius_mm, min_r):
            findings.append(finding(
                Process.SHEET_METAL, Severity.WARNING, "sheet_bend_radius_too_small",
                f"bend {i + 1} has an inner radius of {b.inner_radius_mm:.2f} mm, below the {min_r:.2f} mm "
                f"{material.name} takes at {t:g} mm without cracking: use R{min_r:.1f} mm or more",
            ))
        flange = b.flange_length_mm
        if flange is not None and below(flange, flange_min):
            findings.append(finding(
                Process.SHEET_METAL, Severity.WARNING, "sheet_flange_too_short",
                f"bend {i + 1} has a {flange:.1f} mm flange, shorter than {flange_min:.1f} mm "
                f"({limits['sheet_min_flange_thickness_factor']:g} x t) the brake can hold: lengthen it",
            ))
    return findings


def _depth_findings(features: PartFeatures) -> list[Finding]:
    """A laser cuts through the whole thickness: blind holes, counterbores, countersinks and pockets are
    machined on a mill after it (``sheet_secondary``), priced as their own line; never dropped silently.
    A workshop without a mill has no offer (``quoting.secondary``)."""
    machined = MachinedFeatures.of(features)
    if not machined:
        return []
    return [finding(
        Process.SHEET_METAL, Severity.WARNING, "sheet_secondary_machining",
        f"the part has {machined.describe()}: a laser cuts through the whole thickness only, so they are "
        "machined on a mill after the laser (priced as secondary machining); make every hole a through hole "
        "to save it",
        machined.face_ids,
    )]

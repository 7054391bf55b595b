"""3D printing: FDM, SLA, SLS and MJF, priced as a print bureau runs them.

FDM: a layer model (perimeters on the walls, solid top/bottom skins over the areas facing up and
down, sparse infill and supports, each at PrusaSlicer's speed for it, plus a per-layer overhead for
layer changes and travel), checked against PrusaSlicer in benchmarks. SLA/SLS/MJF: parts from many orders share each build,
so a part pays its share of a full build by the space it takes (packed box over the build volume
at the bureau's packing density; SLA: packed footprint over the platform for its own layers),
plus its exposure time, material (with powder refresh / resin waste) and post-processing; no
order pays a whole build. Coefficients and sources: processes.toml [printing.*].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.numeric import ceil_count
from quoting.process_kinds import Process
from quoting.processes.base import Operation, Pace, Plan, ProcessModel, Stock
from quoting.processes.common import closed_voids, dims, finding, fits, thin_wall_face_ids

TECHNOLOGY = {
    Process.PRINTING_FDM: "fdm",
    Process.PRINTING_SLA: "sla",
    Process.PRINTING_SLS: "sls",
    Process.PRINTING_MJF: "mjf",
}
#: technologies whose closed cavities trap resin or powder
TRAPS = ("sla", "sls", "mjf")


def _trapped(process: Process, technology: str, features: PartFeatures, limits: Mapping[str, float]) -> Finding:
    """A closed cavity traps what SLA (resin) and SLS/MJF (powder) fill it with: it has no escape hole."""
    what = "resin" if technology == "sla" else "powder"
    voids = closed_voids(features)
    cavities = "a closed inner cavity" if voids == 1 else f"{voids} closed inner cavities"
    volume = features.mesh.void_volume_mm3
    held = f" ({volume / 1000.0:.3g} cm3)" if volume > 0 else ""
    return finding(
        process, Severity.ERROR, "additive_trapped_volume",
        f"the part has {cavities}{held} that trap{'s' if voids == 1 else ''} uncured {what} (no escape hole): "
        f"add at least two escape holes of {limits['additive_escape_hole_min_mm']:g} mm or more to each, make it "
        "solid, or print it in FDM",
        point_mm=features.mesh.void_centre_mm,
    )


def build_orientation(features: PartFeatures) -> tuple[float, tuple[float, float], str | None]:
    """Build height [mm], footprint [mm] and the assumption made when the orientation is not measured."""
    extents = sorted(features.bbox_mm)
    if features.additive is not None:
        height = features.additive.build_height_mm
        rest = list(extents)
        rest.pop(min(range(3), key=lambda i: abs(rest[i] - height)))
        return height, (rest[1], rest[0]), None
    why = features.unmeasured.get("additive", "build orientation not analysed")
    return extents[0], (extents[2], extents[1]), (
        f"printed lying flat (build height {extents[0]:.1f} mm, the smallest extent): {why}"
    )


class PrintingModel(ProcessModel):
    """One additive technology (``process`` is one of the four printing processes)."""

    checks_volume = False
    cuts = False

    def __init__(self, process: Process) -> None:
        self.process = process
        self.technology = TECHNOLOGY[process]
        data = read_data("processes.toml")["printing"]
        self.common = data
        self.params: dict[str, Any] = data[self.technology]
        self.machine_classes = {
            k: v for k, v in data["machine_classes"].items() if v["technology"] == self.technology
        }

    @property
    def machine_label(self) -> str:
        return self.technology.upper()

    def build_mm(self, machine_class: str) -> tuple[float, float, float]:
        machine = self.machine_classes.get(machine_class, {})
        x, y, z = (float(v) for v in machine.get("build_mm", self.params["build_mm"]))
        return x, y, z

    def family_findings(self, features: PartFeatures, material: Material, machine_class: str,
                        limits: Mapping[str, float]) -> list[Finding]:
        pr, tech = self.process, self.technology.upper()
        findings: list[Finding] = []
        findings += _mesh_findings(pr, features)
        build = self.build_mm(machine_class)
        if not fits(features.bbox_mm, build):
            findings.append(finding(
                pr, Severity.ERROR, "additive_part_too_large",
                f"the part ({dims(features.bbox_mm)} mm) does not fit the {tech} build "
                f"volume ({dims(build)} mm) in any orientation: split it into printable pieces",
            ))
        wall = features.min_wall_thickness_mm
        limit = limits[f"additive_min_wall_{self.technology}_mm"]
        if wall is not None and wall < limit:
            findings.append(finding(
                pr, Severity.WARNING, "additive_thin_wall",
                f"walls down to {wall:.2f} mm are thinner than {limit:g} mm, the least {tech} prints reliably: "
                "thicken them",
                thin_wall_face_ids(features, limit),
            ))
        if self.technology in TRAPS and closed_voids(features):
            findings.append(_trapped(pr, self.technology, features, limits))
        if float(self.params.get("support_fill_fraction", 0.0)) > 0:
            findings += _support_findings(pr, features)
        return findings

    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        p = self.params
        volume = float(features.volume_mm3 or 0.0)
        area = float(features.area_mm2 or 0.0)
        assumptions: list[str] = []
        height, footprint, assumed = build_orientation(features)
        if assumed:
            assumptions.append(assumed)
        support, support_fill = self._support(features, volume, assumptions)
        ops = [Operation("print_setup", float(p["setup_min"]), per_batch=True, inputs={"per": "batch"})]
        if self.technology == "fdm":
            layering = _layering(features, footprint, assumptions)
            printed, material_mm3 = self._deposition(machine_class, volume, area, layering, support * support_fill,
                                                     height)
        else:
            material_mm3 = volume + support * support_fill
            printed = self._build_share(machine_class, material_mm3, height, footprint)
        ops += printed
        post = float(p["post_min"]) + float(p.get("post_min_per_100cm2", 0.0)) * area / 10_000.0
        ops.append(Operation("post_processing", post, inputs={"area_mm2": round(area, 1)}))
        if support > 0 and support_fill > 0:
            ops.append(Operation(
                "support_removal", float(self.common["support_removal_min_per_cm3"]) * support / 1000.0,
                inputs={"support_volume_mm3": round(support, 1)},
            ))
        stock = self._stock(features, material, material_mm3, height, footprint)
        return Plan(ops, stock, assumptions)

    def _stock(self, features: PartFeatures, material: Material, material_mm3: float, height: float,
               footprint: tuple[float, float]) -> Stock:
        """Material bought for one part: what it is made of plus waste; on a powder bed with a refresh rate, at
        least its share of the build's fresh powder.

        A powder bed ages all the powder it heats, around the parts too: each build is topped up with
        ``powder_refresh_fraction`` of its powder load fresh, and the aged surplus is discarded. A part's share of
        that fresh powder is its packed box over the packing density (the share of the build it takes, as in
        ``_build_share``) x the powder's bulk density x the refresh fraction; a dense part never takes less than
        its own mass (+ waste).
        """
        p = self.params
        waste = float(p["material_waste_fraction"])
        made_kg = material_mm3 * material.density_kg_mm3 * (1.0 + waste)
        what = f"{material.name}: {material_mm3 / 1000.0:.1f} cm3 printed (+{waste:.0%} waste)"
        refresh = float(p.get("powder_refresh_fraction", 0.0))
        if refresh > 0:
            gap = float(p["part_gap_mm"])
            packed_mm3 = (footprint[0] + gap) * (footprint[1] + gap) * (height + gap) / float(p["packing_density"])
            fresh_kg = refresh * float(p["powder_bulk_density_kg_m3"]) * packed_mm3 * 1e-9
            if fresh_kg > made_kg:
                made_kg = fresh_kg
                what = (f"{material.name}: {material_mm3 / 1000.0:.1f} cm3 sintered; fresh powder for its "
                        f"{packed_mm3 / 1000.0:.0f} cm3 share of the build ({refresh:.0%} refresh)")
        return Stock(description=what, dims_mm=tuple(float(x) for x in features.bbox_mm), mass_kg=made_kg)

    def _support(self, features: PartFeatures, volume: float, assumptions: list[str]) -> tuple[float, float]:
        """Support volume [mm3] and the fraction of it that is printed (0 for powder beds)."""
        support_fill = float(self.params.get("support_fill_fraction", 0.0))
        if support_fill <= 0:
            return 0.0, support_fill
        if features.additive is not None:
            return features.additive.support_volume_mm3, support_fill
        frac = float(self.common["default_support_fraction"])
        assumptions.append(f"support assumed at {frac:.0%} of the part volume (overhangs not analysed)")
        return frac * volume, support_fill

    def _speed(self, machine_class: str) -> float:
        return float(self.machine_classes[machine_class].get("speed_factor", 1.0))

    def _deposition(self, machine_class: str, volume: float, area: float, layering: Layering, supported: float,
                    height: float) -> tuple[list[Operation], float]:
        """FDM layer model: perimeters, solid skins, sparse infill and supports, each at its own speed.

        ``FdmVolumes.split`` gives the volumes; each prints at its PrusaSlicer speed x extrusion width x layer
        height. Perimeters stop at the ends of their straight runs: a run of L mm at v mm/s with acceleration a
        takes L / v + v / a (trapezoidal speed), so a mm of loop takes (1 + f v^2 / (a L)) / v, f fitted (corners
        met at speed, short moves); the loops at their mean time per mm, the outer one at the external perimeter
        speed. Fills (skins, infill, supports) reach a fitted share of their speed. time = the sum + layers x
        per-layer overhead (layer change, travel, retractions). supported : the support printed [mm3].
        Returns the operations and the extruded volume [mm3].
        """
        p = self.params
        layer = float(p["layer_height_mm"])
        layers = max(1, ceil_count(height / layer))
        v = FdmVolumes.split(p, volume, area, layering)
        section = float(p["extrusion_width_mm"]) * layer  # [mm2]
        run = max(layering.wall_run_mm, float(p["extrusion_width_mm"]))
        stop = float(p["run_stop_factor"]) / (float(p["perimeter_acceleration_mm_s2"]) * run)  # [s2/mm2]
        loop_speeds = [float(p["external_perimeter_speed_mm_s"])] + [float(p["perimeter_speed_mm_s"])] * (
            int(p["perimeters"]) - 1)
        per_mm = sum((1.0 + stop * s * s) / s for s in loop_speeds) / len(loop_speeds)  # [s/mm]
        fill = float(p["fill_speed_share"]) * section
        rates = {  # [mm3/s]
            "perimeter": section / per_mm,
            "top_skin": fill * float(p["top_solid_infill_speed_mm_s"]),
            "solid_skin": fill * float(p["solid_infill_speed_mm_s"]),
            "infill": fill * float(p["infill_speed_mm_s"]),
            "support": fill * float(p["support_speed_mm_s"]),
        }
        seconds = (v.perimeters_mm3 / rates["perimeter"] + v.top_skin_mm3 / rates["top_skin"]
                   + v.solid_skin_mm3 / rates["solid_skin"] + v.infill_mm3 / rates["infill"]
                   + supported / rates["support"] + layers * float(p["layer_overhead_s"]))
        return [Operation(
            "printing", seconds / 60.0 / self._speed(machine_class),
            inputs={"layers": layers, "build_height_mm": round(height, 2), "up_area_mm2": round(layering.up_area_mm2, 1),
                    "down_area_mm2": round(layering.down_area_mm2, 1), "wall_run_mm": round(run, 2),
                    "perimeter_volume_mm3": round(v.perimeters_mm3, 1),
                    "skin_volume_mm3": round(v.top_skin_mm3 + v.solid_skin_mm3, 1),
                    "infill_volume_mm3": round(v.infill_mm3, 1), "support_volume_mm3": round(supported, 1),
                    **{f"{k}_rate_mm3_s": round(r, 3) for k, r in rates.items()}},
            pace=Pace.MACHINE,
        )], v.total_mm3 + supported

    def _build_share(self, machine_class: str, cured: float, height: float,
                     footprint: tuple[float, float]) -> list[Operation]:
        """SLA/SLS/MJF as a bureau runs them: parts of many orders share each build.

        A part pays its share of a full build by the space it takes: its packed box (footprint
        and height plus the part gap) over the build volume at the bureau's packing density
        (SLA: its packed footprint over the platform, for the layers of its own height); plus its
        own exposure (curing or sintering) time.
        """
        p = self.params
        gap = float(p["part_gap_mm"])
        bx, by, bz = self.build_mm(machine_class)
        packing = float(p["packing_density"])
        speed = self._speed(machine_class)
        box_area = (footprint[0] + gap) * (footprint[1] + gap)
        if self.technology == "sla":
            share = box_area / (bx * by * packing)
            layers = ceil_count(height / float(p["layer_height_mm"]))
            build_min = layers * float(p["layer_s"]) / 60.0
        else:
            share = box_area * (height + gap) / (bx * by * bz * packing)
            layers = ceil_count(bz / float(p["layer_height_mm"]))
            build_min = float(p["build_fixed_min"]) + layers * float(p["layer_s"]) / 60.0
        return [
            Operation("build_share", share * build_min / speed,
                      inputs={"share_of_build": round(share, 6), "build_min": round(build_min, 1),
                              "packing_density": packing, "layers": layers}, pace=Pace.MACHINE),
            Operation("curing" if self.technology == "sla" else "sintering",
                      cured / float(p["cure_rate_mm3_s"]) / 60.0 / speed,
                      inputs={"volume_mm3": round(cured, 1), "rate_mm3_s": float(p["cure_rate_mm3_s"])},
                      pace=Pace.MACHINE),
        ]


@dataclass(frozen=True)
class FdmVolumes:
    """What an FDM printer extrudes for one part, by line type [mm3] (supports apart)."""

    perimeters_mm3: float
    #: the topmost solid layer under each top surface (printed slower, for its finish)
    top_skin_mm3: float
    #: the other solid layers: the rest of the top skins and the bottom skins
    solid_skin_mm3: float
    #: sparse infill of what is left, at the infill fraction
    infill_mm3: float

    @property
    def total_mm3(self) -> float:
        return self.perimeters_mm3 + self.top_skin_mm3 + self.solid_skin_mm3 + self.infill_mm3

    @classmethod
    def split(cls, params: Mapping[str, Any], volume: float, area: float, layering: Layering) -> FdmVolumes:
        """Split the part's ``volume`` [mm3] (``area`` [mm2]; ``layering``: the areas facing up and down).

        Perimeters: the wall area (the area not facing up or down) x the loops x the extrusion width. Skins:
        the up area x top layers + the down area x bottom layers, x the layer height. Each is capped by what
        the ones before it left of the volume (perimeters, then the top layer, then the other solid layers), so
        a thin part is never filled twice and nothing exceeds the part; the rest is sparse infill.
        """
        up, down = layering.up_area_mm2, layering.down_area_mm2
        layer = float(params["layer_height_mm"])
        walls = max(0.0, area - up - down)
        perimeters = min(volume, walls * float(params["extrusion_width_mm"]) * int(params["perimeters"]))
        left = volume - perimeters
        top = min(left, up * layer) if int(params["top_layers"]) > 0 else 0.0
        left -= top
        solid = min(left, (up * max(0, int(params["top_layers"]) - 1) + down * int(params["bottom_layers"])) * layer)
        left -= solid
        return cls(perimeters, top, solid, left * float(params["infill_fraction"]))


@dataclass(frozen=True)
class Layering:
    """What the layer model needs of the build orientation (``Additive``): the areas facing up and down [mm2]
    and the walls' straight run [mm]."""

    up_area_mm2: float
    down_area_mm2: float
    wall_run_mm: float


def _layering(features: PartFeatures, footprint: tuple[float, float], assumptions: list[str]) -> Layering:
    """The measured ``Layering`` of the build orientation; when it was not measured (no orientation, or features
    stored before it was), a box's: the footprint's area up and down, runs of its mean side, said so."""
    add = features.additive
    if (add is not None and add.up_area_mm2 is not None and add.down_area_mm2 is not None
            and add.wall_run_mm is not None):
        return Layering(add.up_area_mm2, add.down_area_mm2, add.wall_run_mm)
    box = footprint[0] * footprint[1]
    assumptions.append(f"top and bottom skins assumed over the footprint ({box / 100.0:.1f} cm2 each), walls "
                       "as straight as its sides: the areas facing up and down were not measured")
    return Layering(box, box, (footprint[0] + footprint[1]) / 2.0)


def _support_findings(process: Process, features: PartFeatures) -> list[Finding]:
    """Where a printer that builds supports (FDM, SLA) needs them in the chosen orientation: the overhanging
    faces named (``PartFeatures.overhang_faces``), so the page paints them; nothing when none overhang."""
    add = features.additive
    if add is None or add.overhang_area_mm2 <= 0 or add.support_volume_mm3 <= 0:
        return []
    return [finding(
        process, Severity.INFO, "additive_support_needed",
        f"{add.overhang_area_mm2 / 100.0:.1f} cm2 of downward faces need support in the build orientation "
        f"({add.support_volume_mm3 / 1000.0:.1f} cm3 of support, priced with its removal): 45 degree chamfers "
        "or a flat base under them make them self-supporting",
        (face.face_id for face in features.overhang_faces or ()),
    )]


def _mesh_findings(process: Process, features: PartFeatures) -> list[Finding]:
    """An error for a mesh that encloses no volume (how many edges are open or flipped), a warning for
    a closed mesh with non-manifold edges (printed as slicers print it)."""
    mesh = features.mesh
    if not mesh.solid or features.volume_mm3 is None or features.volume_mm3 <= 0:
        problems = [f"{n} {what}" for n, what in (
            (mesh.open_edges, "open edges"),
            (mesh.inconsistent_edges, "edges between faces wound in opposite directions"),
        ) if n]
        why = ", ".join(problems) or "it encloses no volume"
        return [finding(
            process, Severity.ERROR, "additive_mesh_not_closed",
            f"the mesh is not closed ({why}): a printer needs a closed solid: repair or re-export it "
            "(closed, consistently wound), or ask for a manual quote",
        )]
    if mesh.nonmanifold_edges:
        return [finding(
            process, Severity.WARNING, "additive_nonmanifold_edges",
            f"{mesh.nonmanifold_edges} edges are shared by more than two faces (bodies touching along an "
            "edge): printed as a slicer prints it, check the touching bodies are meant to fuse",
        )]
    return []

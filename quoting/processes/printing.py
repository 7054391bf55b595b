"""3D printing: FDM, SLA, SLS and MJF.

Layers = build height / layer height. FDM: one part per plate, time = deposited volume (part x
fill + support x support fill) / extrusion rate + layers x per-layer overhead. SLA: parts share
the platform (2D packing of their footprints), so the peel/recoat time of every layer is shared;
curing time per part from its volume. SLS/MJF: parts pack in the build volume in slabs (2D packing
of footprints per slab, slabs stacked up to the build height, capped by the bureau's packing
density); a build costs warm-up/cool-down plus the layers of its slabs, shared by every part in
it, so the price per part falls with quantity. See ``BuildPlan`` and
``ProcessEstimate.run_time_min``. Coefficients: processes.toml [printing.*].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.numeric import ceil_count
from quoting.process_kinds import Process
from quoting.processes.base import BuildPlan, Operation, Plan, ProcessModel, Stock
from quoting.processes.common import dims, finding, fits
from quoting.processes.nesting import pack_count

TECHNOLOGY = {
    Process.PRINTING_FDM: "fdm",
    Process.PRINTING_SLA: "sla",
    Process.PRINTING_SLS: "sls",
    Process.PRINTING_MJF: "mjf",
}
#: technologies whose closed cavities trap resin or powder
TRAPS = ("sla", "sls", "mjf")


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
        if not features.mesh.watertight or features.volume_mm3 is None or features.volume_mm3 <= 0:
            findings.append(finding(
                pr, Severity.ERROR, "additive_mesh_not_closed",
                f"the mesh is not closed ({features.mesh.open_edges} open edges): a printer needs a closed "
                "solid: repair or re-export it (closed, manifold), or ask for a manual quote",
            ))
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
            ))
        if self.technology in TRAPS and _traps_material(features):
            what = "resin" if self.technology == "sla" else "powder"
            findings.append(finding(
                pr, Severity.WARNING, "additive_trapped_volume",
                f"the part has a closed inner cavity that traps uncured {what}: add at least two "
                "escape holes (3.5 mm or more) or make it solid",
            ))
        return findings

    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        p = self.params
        volume = float(features.volume_mm3 or 0.0)
        assumptions: list[str] = []
        height, footprint, assumed = build_orientation(features)
        if assumed:
            assumptions.append(assumed)
        support, support_fill = self._support(features, volume, assumptions)
        ops = [Operation("print_setup", float(p["setup_min"]), per_batch=True, inputs={"per": "batch"})]
        build: BuildPlan | None = None
        if self.technology == "fdm":
            printed, material_mm3 = self._deposition(machine_class, volume, support, support_fill, height)
        else:
            build, printed = self._builds(machine_class, volume, volume + support * support_fill, height, footprint)
            material_mm3 = volume + support * support_fill
        ops += printed
        ops.append(Operation("post_processing", float(p["post_min"]), inputs={}))
        if support > 0 and support_fill > 0:
            ops.append(Operation(
                "support_removal", float(self.common["support_removal_min_per_cm3"]) * support / 1000.0,
                inputs={"support_volume_mm3": round(support, 1)},
            ))
        waste = float(p["material_waste_fraction"])
        stock = Stock(
            description=f"{material.name}: {material_mm3 / 1000.0:.1f} cm3 printed (+{waste:.0%} waste/refresh)",
            dims_mm=tuple(float(x) for x in features.bbox_mm),
            mass_kg=material_mm3 * material.density_kg_mm3 * (1.0 + waste),
        )
        return Plan(ops, stock, assumptions, build=build)

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

    def _deposition(self, machine_class: str, volume: float, support: float, support_fill: float,
                    height: float) -> tuple[list[Operation], float]:
        """FDM: one part per plate, deposited volume / extrusion rate + per-layer overhead; and the volume."""
        p = self.params
        layers = max(1, ceil_count(height / float(p["layer_height_mm"])))
        deposited = volume * float(p["fill_fraction"]) + support * support_fill
        minutes = (deposited / float(p["volumetric_rate_mm3_s"]) + layers * float(p["layer_overhead_s"])) / 60.0
        return [Operation(
            "printing", minutes / self._speed(machine_class),
            inputs={"layers": layers, "build_height_mm": round(height, 2), "deposited_volume_mm3": round(deposited, 1),
                    "volumetric_rate_mm3_s": float(p["volumetric_rate_mm3_s"])},
        )], deposited

    def _build_plan(self, machine_class: str, volume: float, height: float,
                    footprint: tuple[float, float]) -> tuple[BuildPlan, int]:
        """How parts pack in the build volume: slabs of footprints, stacked (SLS/MJF) up to the packing cap."""
        p = self.params
        gap = float(p["part_gap_mm"])
        bx, by, bz = self.build_mm(machine_class)
        per_slab = max(1, pack_count(bx, by, footprint[0] + gap, footprint[1] + gap))
        if self.technology == "sla":
            per_build, fixed, slab_h = per_slab, 0.0, height
        else:
            slabs_max = max(1, math.floor((bz + gap) / (height + gap)))
            cap = math.floor(float(p["max_packing_fraction"]) * bx * by * bz / volume) if volume > 0 else 1
            per_build = max(1, min(per_slab * slabs_max, cap))
            fixed, slab_h = float(p["build_fixed_min"]), height + gap
        layers = ceil_count(slab_h / float(p["layer_height_mm"]))
        slab_min = layers * float(p["layer_s"]) / 60.0 / self._speed(machine_class)
        return BuildPlan(parts_per_build=per_build, parts_per_slab=per_slab, slab_height_mm=round(slab_h, 3),
                         fixed_min=fixed, slab_min=slab_min), layers

    def _builds(self, machine_class: str, volume: float, cured: float, height: float,
                footprint: tuple[float, float]) -> tuple[BuildPlan, list[Operation]]:
        """SLA/SLS/MJF: the build plan, its per-build operations (warm-up, layers) and curing per part."""
        p = self.params
        build, layers_per_slab = self._build_plan(machine_class, volume, height, footprint)
        per_build, fixed = build.parts_per_build, build.fixed_min
        full = build.build_time_min(per_build)
        ops: list[Operation] = []
        if fixed:
            ops.append(Operation("build_warmup_cooldown", fixed, per_build=True,
                                 inputs={"parts_per_build": per_build}))
        ops.append(Operation(
            "build_layers", full - fixed, per_build=True,
            inputs={"layers_per_slab": layers_per_slab, "layer_s": float(p["layer_s"]),
                    "slabs": build.slabs(per_build), "parts_per_slab": build.parts_per_slab,
                    "parts_per_build": per_build},
        ))
        ops.append(Operation(
            "curing" if self.technology == "sla" else "sintering",
            cured / float(p["cure_rate_mm3_s"]) / 60.0 / self._speed(machine_class),
            inputs={"volume_mm3": round(cured, 1), "rate_mm3_s": float(p["cure_rate_mm3_s"])},
        ))
        return build, ops


def _traps_material(features: PartFeatures) -> bool:
    """Whether the part has a closed inner cavity: a B-rep with more shells than solids."""
    return features.mesh.from_brep and features.mesh.bodies > features.solids

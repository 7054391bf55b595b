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
from quoting.process_kinds import Process
from quoting.processes.base import BuildPlan, Operation, ProcessEstimate, Stock
from quoting.processes.common import dims, finding, fits, material_findings, raise_on_errors, thresholds
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


class PrintingModel:
    """One additive technology (``process`` is one of the four printing processes)."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.technology = TECHNOLOGY[process]
        data = read_data("processes.toml")["printing"]
        self.common = data
        self.params: dict[str, Any] = data[self.technology]
        self.machine_classes = {
            k: v for k, v in data["machine_classes"].items() if v["technology"] == self.technology
        }

    def build_mm(self, machine_class: str) -> tuple[float, float, float]:
        machine = self.machine_classes.get(machine_class, {})
        return tuple(float(x) for x in machine.get("build_mm", self.params["build_mm"]))  # type: ignore[return-value]

    def check(
        self,
        features: PartFeatures,
        material: Material,
        machine_class: str,
        overrides: Mapping[str, float] | None = None,
    ) -> list[Finding]:
        t = thresholds(overrides)
        pr = self.process
        findings = material_findings(pr, material)
        if machine_class not in self.machine_classes:
            findings.append(finding(
                pr, Severity.ERROR, "machine_class_unknown",
                f"unknown {self.technology.upper()} machine class {machine_class!r}: use one of "
                f"{', '.join(sorted(self.machine_classes))}",
            ))
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
                f"the part ({dims(features.bbox_mm)} mm) does not fit the {self.technology.upper()} build "
                f"volume ({dims(build)} mm) in any orientation: split it into printable pieces",
            ))
        wall = features.min_wall_thickness_mm
        limit = t[f"additive_min_wall_{self.technology}_mm"]
        if wall is not None and wall < limit:
            findings.append(finding(
                pr, Severity.WARNING, "additive_thin_wall",
                f"walls down to {wall:.2f} mm are thinner than {limit:g} mm, the least "
                f"{self.technology.upper()} prints reliably: thicken them",
            ))
        if self.technology in TRAPS:
            trapped = getattr(features, "trapped_volume_mm3", None)
            inner_shells = features.mesh.from_brep and features.mesh.bodies > features.solids
            if (trapped is not None and trapped > 0) or inner_shells:
                what = "resin" if self.technology == "sla" else "powder"
                findings.append(finding(
                    pr, Severity.WARNING, "additive_trapped_volume",
                    f"the part has a closed inner cavity that traps uncured {what}: add at least two "
                    "escape holes (3.5 mm or more) or make it solid",
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
        p = self.params
        tech = self.technology
        speed = float(self.machine_classes[machine_class].get("speed_factor", 1.0))
        volume = float(features.volume_mm3 or 0.0)
        assumptions: list[str] = []
        height, footprint, assumed = build_orientation(features)
        if assumed:
            assumptions.append(assumed)
        support_fill = float(p.get("support_fill_fraction", 0.0))
        if support_fill > 0:
            if features.additive is not None:
                support = features.additive.support_volume_mm3
            else:
                frac = float(self.common["default_support_fraction"])
                support = frac * volume
                assumptions.append(f"support assumed at {frac:.0%} of the part volume (overhangs not analysed)")
        else:
            support = 0.0
        layer_h = float(p["layer_height_mm"])
        layers = max(1, math.ceil(height / layer_h - 1e-9))

        ops = [Operation("print_setup", float(p["setup_min"]), per_batch=True, inputs={"per": "batch"})]
        build: BuildPlan | None = None
        if tech == "fdm":
            fill = float(p["fill_fraction"])
            deposited = volume * fill + support * support_fill
            ops.append(Operation(
                "printing",
                (deposited / float(p["volumetric_rate_mm3_s"]) + layers * float(p["layer_overhead_s"])) / 60.0 / speed,
                inputs={"layers": layers, "build_height_mm": round(height, 2), "deposited_volume_mm3": round(deposited, 1),
                        "volumetric_rate_mm3_s": float(p["volumetric_rate_mm3_s"])},
            ))
            material_mm3 = deposited
        else:
            gap = float(p["part_gap_mm"])
            bx, by, bz = self.build_mm(machine_class)
            per_slab = max(1, pack_count(bx, by, footprint[0] + gap, footprint[1] + gap))
            if tech == "sla":
                slabs_max = 1
                per_build = per_slab
                fixed = 0.0
            else:
                slabs_max = max(1, math.floor((bz + gap) / (height + gap)))
                cap = math.floor(float(p["max_packing_fraction"]) * bx * by * bz / volume) if volume > 0 else 1
                per_build = max(1, min(per_slab * slabs_max, cap))
                fixed = float(p["build_fixed_min"])
            slab_h = height if tech == "sla" else height + gap
            slab_min = math.ceil(slab_h / layer_h - 1e-9) * float(p["layer_s"]) / 60.0 / speed
            build = BuildPlan(parts_per_build=per_build, parts_per_slab=per_slab, slab_height_mm=round(slab_h, 3),
                              fixed_min=fixed, slab_min=slab_min)
            full = build.build_time_min(per_build)
            if fixed:
                ops.append(Operation("build_warmup_cooldown", fixed, per_build=True,
                                     inputs={"parts_per_build": per_build}))
            ops.append(Operation(
                "build_layers", full - fixed, per_build=True,
                inputs={"layers_per_slab": math.ceil(slab_h / layer_h - 1e-9), "layer_s": float(p["layer_s"]),
                        "slabs": build.slabs(per_build), "parts_per_slab": per_slab, "parts_per_build": per_build},
            ))
            cured = volume + support * support_fill
            ops.append(Operation(
                "curing" if tech == "sla" else "sintering", cured / float(p["cure_rate_mm3_s"]) / 60.0 / speed,
                inputs={"volume_mm3": round(cured, 1), "rate_mm3_s": float(p["cure_rate_mm3_s"])},
            ))
            material_mm3 = cured
        ops.append(Operation("post_processing", float(p["post_min"]), inputs={}))
        if support > 0 and support_fill > 0:
            ops.append(Operation(
                "support_removal", float(self.common["support_removal_min_per_cm3"]) * support / 1000.0,
                inputs={"support_volume_mm3": round(support, 1)},
            ))
        waste = float(p["material_waste_fraction"])
        mass = material_mm3 * material.density_kg_mm3 * (1.0 + waste)
        stock = Stock(
            description=f"{material.name}: {material_mm3 / 1000.0:.1f} cm3 printed (+{waste:.0%} waste/refresh)",
            dims_mm=tuple(float(x) for x in features.bbox_mm),
            mass_kg=mass,
        )
        return ProcessEstimate(
            process=self.process,
            machine_class=machine_class,
            material=material.key,
            operations=ops,
            stock=stock,
            findings=findings,
            assumptions=assumptions,
            build=build,
        )

"""Helpers every process family shares: DFM thresholds, findings, hole making, sanity checks."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from geometry.features import Hole, PartFeatures
from geometry.findings import Finding, Location, Severity
from quoting.data_files import read_data
from quoting.errors import NotManufacturableError, UnknownOptionError
from quoting.materials import Material
from quoting.numeric import within
from quoting.process_kinds import Process
from quoting.processes.cutting import Spindle, cutting_class, drill_feed_mm_min


@cache
def _default_thresholds() -> dict[str, float]:
    return {k: float(v) for k, v in read_data("dfm.toml")["thresholds"].items()}


def dfm_threshold_names() -> tuple[str, ...]:
    """The DFM threshold names a rate card may override (keys of dfm.toml [thresholds])."""
    return tuple(sorted(_default_thresholds()))


def thresholds(overrides: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The DFM thresholds with a workshop's overrides applied; an unknown key is an error."""
    values = dict(_default_thresholds())
    for key, value in (overrides or {}).items():
        if key not in values:
            known = ", ".join(sorted(values))
            raise UnknownOptionError(
                f"unknown DFM threshold {key!r} in the overrides: use one of {known}", option=key
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise UnknownOptionError(
                f"DFM threshold {key!r} must be a number, got {value!r}", option=key
            ) from None
        if not math.isfinite(number) or number < 0:
            raise UnknownOptionError(f"DFM threshold {key!r} must be a finite number >= 0, got {value!r}", option=key)
        values[key] = number
    return values


def finding(
    process: Process,
    severity: Severity,
    code: str,
    message: str,
    face_ids: Iterable[int] = (),
    point_mm: tuple[float, float, float] | None = None,
) -> Finding:
    faces = tuple(face_ids)
    location = Location(face_ids=faces, point_mm=point_mm) if faces or point_mm is not None else None
    return Finding(severity, code, message, location=location, process=process.value)


def thin_wall_face_ids(features: PartFeatures, limit_mm: float) -> tuple[int, ...]:
    """The faces with a wall thinner than ``limit_mm`` (``PartFeatures.thin_wall_faces``), thinnest first."""
    return tuple(f.face_id for f in features.thin_wall_faces or ()
                 if f.min_wall_mm is not None and f.min_wall_mm < limit_mm)


def hole_finding(process: Process, severity: Severity, code: str, hole: Hole, message: str) -> Finding:
    """A finding about one hole, located on its faces and at its centre."""
    return finding(process, severity, code, message, hole.face_ids, hole.position_mm)


def raise_on_errors(process: Process, findings: list[Finding]) -> None:
    """Raise ``NotManufacturableError`` with the first error finding, if any."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise NotManufacturableError(
            errors[0].message + more, process=process.value, code_detail=errors[0].code
        )


def material_findings(process: Process, material: Material) -> list[Finding]:
    if material.accepts(process.value):
        return []
    return [finding(
        process, Severity.ERROR, "material_not_offered",
        f"{material.name} is not offered for {process.value.replace('_', ' ')}: choose a material "
        f"listed for it (see `microfab materials`)",
    )]


def volume_findings(process: Process, features: PartFeatures) -> list[Finding]:
    if features.volume_mm3 is not None and features.volume_mm3 > 0:
        return []
    why = features.unmeasured.get("volume_mm3", "mesh not closed")
    return [finding(
        process, Severity.ERROR, "volume_unknown",
        f"the part's volume cannot be measured ({why}): export a closed solid",
    )]


def closed_voids(features: PartFeatures) -> int:
    """Closed inner cavities: of a B-rep part, shells beyond one per solid; of a mesh, the shells nested
    inside its material (``MeshInfo.voids``, 0 on an open mesh, where nothing can be told)."""
    if not features.mesh.from_brep:
        return features.mesh.voids
    return max(0, features.mesh.bodies - features.solids)


def void_findings(process: Process, features: PartFeatures) -> list[Finding]:
    """An error for a cutting process when the part has a closed inner cavity: no tool reaches inside."""
    voids = closed_voids(features)
    if not voids:
        return []
    return [finding(
        process, Severity.ERROR, "closed_inner_void",
        f"the part has {voids} closed inner cavit{'y' if voids == 1 else 'ies'} with no way in for a tool: "
        f"{process.value.replace('_', ' ')} cannot make it; print it (FDM), or open the cavity to the outside",
        point_mm=features.mesh.void_centre_mm,
    )]


def machine_class_findings(process: Process, machine_class: str, known: Mapping[str, Any],
                           label: str | None = None) -> list[Finding]:
    """An error when ``machine_class`` is none of ``known`` (``label`` names the family, default the process)."""
    if machine_class in known:
        return []
    return [finding(
        process, Severity.ERROR, "machine_class_unknown",
        f"unknown {label or process.value} machine class {machine_class!r}: use one of {', '.join(sorted(known))}",
    )]


def fits(part_mm: Iterable[float], envelope_mm: Iterable[float]) -> bool:
    """Whether a box fits an envelope in some axis-aligned orientation."""
    a, b = sorted(part_mm), sorted(envelope_mm)
    return len(a) == len(b) and all(within(p, e) for p, e in zip(a, b, strict=True))


def dims(values: Iterable[float]) -> str:
    return " x ".join(f"{x:.0f}" for x in values)


# --- hole making (milling, turning secondary operations, thread options) ----------------------


def hole_params() -> dict[str, Any]:
    """Hole-making coefficients (processes.toml [holes])."""
    params: dict[str, Any] = read_data("processes.toml")["holes"]
    return params


def is_standard_drill(diameter_mm: float, tolerance_mm: float) -> bool:
    return abs(nearest_standard_drill(diameter_mm) - diameter_mm) <= tolerance_mm


def nearest_standard_drill(diameter_mm: float) -> float:
    """The standard drill closest to ``diameter_mm`` (the smaller of two equally close), by bisection."""
    drills = _sorted_drills(tuple(hole_params()["standard_drills_mm"]))
    i = bisect.bisect_left(drills, diameter_mm)
    below, above = drills[max(i - 1, 0)], drills[min(i, len(drills) - 1)]
    return below if abs(below - diameter_mm) <= abs(above - diameter_mm) else above


@cache
def _sorted_drills(drills: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(sorted(float(d) for d in drills))


def drill_operation_inputs(hole: Hole, material: Material, removal_rate_mm3_min: float,
                           spindle: Spindle | None = None) -> tuple[float, dict[str, Any]]:
    """Minutes to make one hole, and the formula's inputs.

    Standard drill: position + depth / vf, vf = rpm x feed per rev from the material's cutting class
    (``cutting.toml``: vc, feed by diameter; rpm capped by ``spindle``), plus pecks (full retracts)
    beyond the peck ratio. Non-standard Ø: helical interpolation, hole volume / (removal rate x
    interpolation factor). Counterbores and countersinks add their own time.
    """
    p = hole_params()
    d, depth = hole.diameter_mm, hole.depth_mm
    inputs: dict[str, Any] = {"diameter_mm": round(d, 3), "depth_mm": round(depth, 2)}
    minutes = float(p["position_min"])
    if is_standard_drill(d, float(p["standard_drill_tolerance_mm"])):
        vf = drill_feed_mm_min(cutting_class(material), d, spindle)
        minutes += depth / vf
        inputs["feed_mm_min"] = round(vf, 1)
        ratio = depth / d if d > 0 else 0.0
        if ratio > float(p["peck_above_depth_to_diameter"]):
            pecks = math.ceil(depth / (float(p["peck_step_diameters"]) * d))
            minutes += pecks * float(p["peck_retract_min"])
            inputs["pecks"] = pecks
    else:
        rate = removal_rate_mm3_min * float(p["interpolation_rate_factor"])
        volume = math.pi * d * d / 4.0 * depth
        minutes += volume / rate
        inputs["interpolated"] = True
        inputs["rate_mm3_min"] = round(rate, 1)
    if hole.kind == "counterbore":
        minutes += float(p["counterbore_min"])
        inputs["counterbore"] = True
    elif hole.kind == "countersink":
        minutes += float(p["countersink_min"])
        inputs["countersink"] = True
    return minutes, inputs


def tap_time_min(diameter_mm: float, pitch_mm: float, depth_mm: float, material: Material) -> float:
    """Rigid tapping: position + in and out at rpm x pitch, rpm = vc x 1000 / (pi D) (``cutting.toml``)."""
    rpm = cutting_class(material).tap_vc_m_min * 1000.0 / (math.pi * diameter_mm)
    return float(hole_params()["position_min"]) + 2.0 * depth_mm / (rpm * pitch_mm)


@cache
def thread_table() -> dict[str, dict[str, float]]:
    """ISO metric coarse threads by name (``M6``): diameter, pitch, tap drill, insert price."""
    sizes = read_data("finishes.toml")["threads"]["sizes"]
    return {k.replace("_", "."): {kk: float(vv) for kk, vv in v.items()} for k, v in sizes.items()}

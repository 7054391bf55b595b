"""``extract``: a ``Part`` in, its ``PartFeatures`` out."""

from __future__ import annotations

from typing import Any

from geometry.export import part_face_ids
from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from geometry.mesh_analysis import mesh_features
from geometry.part import Part
from geometry.tolerances import tol
from geometry.units import LengthUnit, UnitsSource
from geometry.version import geometry_version


def extract(part: Part, exact: dict[str, Any] | None = None) -> PartFeatures:
    """Measure ``part``: mesh analysis for every part, exact B-rep values where there is one.

    ``exact``: the B-rep values when the caller has them already (``geometry.brep.brep_features``
    of ``part.brep``, or a solid's cut out of its file's analysis: ``geometry.measure``).
    """
    values = mesh_features(part.vertices_mm, part.faces, from_brep=part.brep is not None,
                           face_ids=lambda: part_face_ids(part)[0])
    unmeasured = values.pop("unmeasured")
    findings = list(values.pop("findings", []))
    if part.brep is not None:
        if exact is None:
            from geometry.brep import brep_features

            exact = brep_features(part.brep)
        unmeasured.update(exact.pop("unmeasured", {}))
        findings += exact.pop("findings", [])
        values.update(exact)
        for name in exact:
            unmeasured.pop(name, None)
    else:
        for name in ("faces", "holes", "pockets", "min_internal_radius_mm", "internal_radius_faces", "turning",
                     "sheet_metal"):
            unmeasured.setdefault(name, "needs the exact B-rep of a STEP file; meshes are not analysed for this")
    # loaders that measure fields themselves (a DXF FlatPart: sheet_metal, holes) override the rest
    measured = dict(getattr(part, "measured", None) or {})
    findings += measured.pop("findings", [])
    values.update(measured)
    for name in measured:
        unmeasured.pop(name, None)
    for name, why in (getattr(part, "not_measured", None) or {}).items():
        if values.get(name) is None:
            unmeasured[name] = why
    solids = part.solids if part.brep is not None or measured else values["mesh"].bodies
    features = PartFeatures(source=part.source, solids=solids, unmeasured=unmeasured,
                            geometry_version=geometry_version(), **values)
    return features.with_updates(findings=findings + unit_findings(features))


def unit_findings(features: PartFeatures) -> list[Finding]:
    """Flag a size implausible for the unit, naming the unit that would make it plausible."""
    extent = features.max_extent_mm
    src = features.source
    said = {
        UnitsSource.FILE.value: "as the file declares",
        UnitsSource.REQUEST.value: "as requested",
        UnitsSource.DEFAULT.value: "by default: the file carries no unit",
    }.get(src.units_source, "")
    small = extent < tol.plausible_min_extent_mm
    if small or extent > tol.plausible_max_extent_mm:
        likely = likely_unit(extent, src.units)
        size = f"only {extent:.3g} mm" if small else f"{extent / 1000:.3g} m"
        if likely is not None:
            unit, extent_then = likely
            advice = f"if it was drawn in {unit.value}, send units={unit.value} (it would be {extent_then:.3g} mm across)"
        else:
            advice = "check the unit it was exported in and scale it, or send the right units"
        return [
            Finding(
                Severity.WARNING,
                "units_implausible_small" if small else "units_implausible_large",
                f"the part is {size} across when read in {src.units} ({said}): {advice}",
            )
        ]
    if src.units_source == UnitsSource.DEFAULT.value:
        return [
            Finding(
                Severity.INFO,
                "units_assumed",
                f"the file carries no unit; read in mm, the part is "
                f"{' x '.join(f'{x:.1f}' for x in features.bbox_mm)} mm",
            )
        ]
    return []


#: the size a part most likely has [mm]; the likely unit brings the part closest to it (in ratio)
_TYPICAL_EXTENT_MM = 100.0
#: the units CAD exports commonly use; rarer ones (um, ft) are accepted but never suggested
_SUGGESTED_UNITS = (LengthUnit.MM, LengthUnit.CM, LengthUnit.M, LengthUnit.IN)


def likely_unit(extent_mm: float, read_unit: str) -> "tuple[LengthUnit, float] | None":
    """The unit (other than ``read_unit``) that gives a plausible size closest to a typical part, and that size [mm]."""
    import math

    try:
        raw = extent_mm / LengthUnit.parse(read_unit).to_mm
    except ValueError:
        return None
    best = None
    for unit in _SUGGESTED_UNITS:
        if unit.value == read_unit or raw <= 0:
            continue
        size = raw * unit.to_mm
        if tol.plausible_min_extent_mm <= size <= tol.plausible_max_extent_mm:
            score = abs(math.log(size / _TYPICAL_EXTENT_MM))
            if best is None or score < best[0]:
                best = (score, unit, size)
    return None if best is None else (best[1], best[2])

"""``extract``: a ``Part`` in, its ``PartFeatures`` out."""

from __future__ import annotations

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from geometry.mesh_analysis import mesh_features
from geometry.part import Part
from geometry.tolerances import tol
from geometry.units import UnitsSource


def extract(part: Part) -> PartFeatures:
    """Measure ``part``: mesh analysis for every part, exact B-rep values where there is one."""
    values = mesh_features(part.vertices_mm, part.faces, from_brep=part.brep is not None)
    unmeasured = values.pop("unmeasured")
    if part.brep is not None:
        from geometry.brep import brep_features

        exact = brep_features(part.brep)
        unmeasured.update(exact.pop("unmeasured", {}))
        values.update(exact)
        for name in exact:
            unmeasured.pop(name, None)
    else:
        for name in ("faces", "holes", "pockets", "min_internal_radius_mm", "turning", "sheet_metal"):
            unmeasured.setdefault(name, "needs the exact B-rep of a STEP file; meshes are not analysed for this")
    solids = part.solids if part.brep is not None else values["mesh"].bodies
    features = PartFeatures(source=part.source, solids=solids, unmeasured=unmeasured, **values)
    return features.with_updates(findings=list(features.findings) + unit_findings(features))


def unit_findings(features: PartFeatures) -> list[Finding]:
    """Flag a size implausible for the unit, naming the unit that would make it plausible."""
    extent = features.max_extent_mm
    src = features.source
    said = {
        UnitsSource.FILE.value: "as the file declares",
        UnitsSource.REQUEST.value: "as requested",
        UnitsSource.DEFAULT.value: "by default: the file carries no unit",
    }.get(src.units_source, "")
    if extent < tol.plausible_min_extent_mm:
        likely = "in" if extent * 25.4 >= tol.plausible_min_extent_mm else "m"
        return [
            Finding(
                Severity.WARNING,
                "units_implausible_small",
                f"the part is only {extent:.3g} mm across when read in {src.units} ({said}): "
                f"if it was drawn in {likely}, send units={likely}",
            )
        ]
    if extent > tol.plausible_max_extent_mm:
        return [
            Finding(
                Severity.WARNING,
                "units_implausible_large",
                f"the part is {extent / 1000:.3g} m across when read in {src.units} ({said}): "
                "if it was drawn in smaller units, send the right units",
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

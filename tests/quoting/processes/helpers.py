"""PartFeatures built directly, with chosen values, for hand-computed process estimates."""

from __future__ import annotations

from typing import Any

from geometry.features import FileFormat, MeshInfo, PartFeatures, Pocket, SheetMetal, SourceInfo


def features(bbox_mm: tuple[float, float, float] = (100.0, 60.0, 20.0), **fields: Any) -> PartFeatures:
    """A closed part with ``bbox_mm`` and the given PartFeatures fields; volume/area default to the box."""
    x, y, z = bbox_mm
    fields.setdefault("volume_mm3", x * y * z)
    fields.setdefault("area_mm2", 2 * (x * y + y * z + x * z))
    fmt = fields.pop("format", FileFormat.STEP)
    mesh = fields.pop("mesh", MeshInfo(triangles=12, vertices=8, watertight=True, bodies=1, from_brep=True))
    return PartFeatures(
        source=SourceInfo("part.step", fmt, "0" * 64, 1, "mm", "file"),
        bbox_mm=bbox_mm,
        mesh=mesh,
        **fields,
    )


def block(**fields: Any) -> PartFeatures:
    """A 100 x 60 x 20 mm milled block with a 40 x 30 x 10 mm pocket (fields override the defaults)."""
    fields.setdefault("volume_mm3", 100 * 60 * 20 - 40 * 30 * 10)
    fields.setdefault("area_mm2", 19_800.0)
    fields.setdefault("min_internal_radius_mm", 3.0)
    fields.setdefault("setups_3axis", ["+Z", "-Z"])
    fields.setdefault("unreachable_area_mm2", 0.0)
    fields.setdefault("holes", [])
    fields.setdefault("pockets", [Pocket(10.0, (40.0, 30.0), 10.0 / 30.0, (0.0, 0.0, 1.0))])
    return features((100.0, 60.0, 20.0), **fields)


def sheet(
    thickness_mm: float = 2.0,
    bends: list | None = None,
    flat_bbox_mm: tuple[float, float] = (200.0, 100.0),
    cut_length_mm: float | None = None,
    pierces: int = 1,
    flat_area_mm2: float | None = None,
) -> SheetMetal:
    w, h = flat_bbox_mm
    return SheetMetal(
        thickness_mm=thickness_mm,
        bends=bends or [],
        flat_bbox_mm=flat_bbox_mm,
        flat_area_mm2=flat_area_mm2 if flat_area_mm2 is not None else w * h,
        cut_length_mm=cut_length_mm if cut_length_mm is not None else 2 * (w + h),
        pierces=pierces,
    )


def sheet_features(sm: SheetMetal, **fields: Any) -> PartFeatures:
    w, h = sm.flat_bbox_mm
    fields.setdefault("volume_mm3", sm.flat_area_mm2 * sm.thickness_mm)
    return features((w, h, sm.thickness_mm), sheet_metal=sm, **fields)


#: aluminium (N_wrought_aluminium) roughing on the 3-axis class, by hand from cutting.toml and processes.toml:
#: Ø12 end mill, vc 500 m/min -> 13263 rpm, capped at the spindle's 8100; fz = 0.008 x 12 = 0.096 mm, 3 flutes
#: -> vf = 2332.8 mm/min; ae = 0.5 x 12, ap = 1 x 12 -> 167,962 mm3/min tool-limited (the 22.4 kW spindle
#: would allow ~ 700,000); x path efficiency 0.15
AL_3AXIS_ROUGHING_MM3_MIN = 6.0 * 12.0 * (0.096 * 3 * 8100) * 0.15


def op(estimate: Any, name: str) -> Any:
    found = [o for o in estimate.operations if o.name == name]
    assert found, f"no operation {name!r} in {[o.name for o in estimate.operations]}"
    return found[0]


def codes(findings: list) -> set[str]:
    return {f.code for f in findings}

"""The relaxations of ``quoting/data/cost_drivers.toml``: for a part and a request, the changes to try.

Each rule looks at the measured features (or the request) and, when its driver is present, returns
a ``Relaxation``: what the driver is, where, the change, and the relaxed features and request that
the engine re-prices. The relaxed features follow the change geometrically (a shallower pocket adds
its volume back and loses its wall area), so that the re-priced part is the part rebuilt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from geometry.features import Additive, PartFeatures, Pocket
from geometry.findings import Location
from quoting.driver_records import DriverKind
from quoting.options import tolerance_class
from quoting.pricing_terms import DEFAULT_TOLERANCE
from quoting.processes.common import is_standard_drill, nearest_standard_drill
from quoting.request import QuoteRequest

Row = Mapping[str, Any]
#: the area a square pocket corner of radius r leaves out, over r^2, for the four corners: 4 - pi
_CORNERS_AREA = 4.0 - math.pi
#: the wall length four corners of radius r take out of the pocket's perimeter, over r: 8 - 2 pi
_CORNERS_LENGTH = 8.0 - 2.0 * math.pi


@dataclass(frozen=True)
class Relaxation:
    """One change to try: the driver, where it is, the change, and the part and request after it."""

    kind: DriverKind
    what: str
    change: str
    location: Location | None
    features: PartFeatures
    request: QuoteRequest


def _location(face_ids: list[int], point_mm: tuple[float, float, float] | None = None) -> Location | None:
    faces = tuple(sorted(set(face_ids)))
    return Location(face_ids=faces, point_mm=point_mm) if faces or point_mm is not None else None


def _internal_radius(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    radius = f.min_internal_radius_mm
    target = float(row["to_mm"])
    if radius is None or radius >= float(row["below_mm"]):
        return None
    volume, area = f.volume_mm3, f.area_mm2
    pockets: list[Pocket] = []
    faces: list[int] = []
    for p in f.pockets or []:
        if p.corner_radius_mm is not None and p.corner_radius_mm < target:
            old = p.corner_radius_mm
            faces += p.face_ids
            if volume is not None:
                volume += _CORNERS_AREA * (target**2 - old**2) * p.depth_mm
            if area is not None:
                area -= _CORNERS_LENGTH * (target - old) * p.depth_mm
            p = replace(p, corner_radius_mm=target)
        pockets.append(p)
    features = f.with_updates(min_internal_radius_mm=target, volume_mm3=volume, area_mm2=area,
                              pockets=pockets if f.pockets is not None else None)
    return Relaxation(DriverKind.INTERNAL_RADIUS, f"internal corners of R{radius:.2f} mm",
                      f"internal radius {radius:g} mm -> {target:g} mm", _location(faces), features, r)


def _shallower(p: Pocket, depth_mm: float) -> tuple[float, float]:
    """(volume added [mm3], wall area removed [mm2]) when pocket ``p`` is made ``depth_mm`` deep."""
    cut = p.depth_mm - depth_mm
    r = p.corner_radius_mm or 0.0
    a, b = p.opening_mm
    return (a * b - _CORNERS_AREA * r * r) * cut, (2.0 * (a + b) - _CORNERS_LENGTH * r) * cut


def _deep_pocket(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    limit, ratio = float(row["above_depth_to_width"]), float(row["to_depth_to_width"])
    deep = [p for p in f.pockets or [] if p.depth_to_width > limit]
    if not deep or f.volume_mm3 is None or f.area_mm2 is None:
        return None
    volume, area = f.volume_mm3, f.area_mm2
    pockets: list[Pocket] = []
    faces: list[int] = []
    for p in f.pockets or []:
        if p in deep:
            depth = ratio * min(p.opening_mm)
            added, removed = _shallower(p, depth)
            volume, area = volume + added, area - removed
            faces += p.face_ids
            p = replace(p, depth_mm=depth, depth_to_width=ratio)
        pockets.append(p)
    worst = max(deep, key=lambda p: p.depth_to_width)
    new_depth = ratio * min(worst.opening_mm)
    return Relaxation(
        DriverKind.DEEP_POCKET,
        f"{len(deep)} pocket(s) up to {worst.depth_mm:.1f} mm deep for {min(worst.opening_mm):.1f} mm wide",
        f"pocket depth {worst.depth_mm:g} mm -> {new_depth:g} mm ({ratio:g} x width)",
        _location(faces), f.with_updates(pockets=pockets, volume_mm3=volume, area_mm2=area), r)


def _tolerance(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    current = tolerance_class(r.tolerance or DEFAULT_TOLERANCE)
    target = tolerance_class(str(row["to"]))
    if current.time_factor <= target.time_factor and current.inspection_min_per_part <= target.inspection_min_per_part:
        return None
    return Relaxation(DriverKind.TOLERANCE, f"tolerance {current.name}", f"tolerance {current.key} -> {target.key}",
                      None, f, _request(r, tolerance=target.key))


def _threads(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    tapped = [h for h in f.holes or [] if h.likely_tap]
    if not tapped and not r.threads:
        return None
    sizes = sorted({str(h.likely_tap) for h in tapped} | set(r.threads or {}))
    count = len(tapped) + sum((r.threads or {}).values())
    holes = [replace(h, likely_tap=None) for h in f.holes] if f.holes is not None else None
    faces = [i for h in tapped for i in h.face_ids]
    point = tapped[0].position_mm if len(tapped) == 1 else None
    return Relaxation(DriverKind.THREADS, f"{count} thread(s) {', '.join(sizes)}", "threads -> plain holes",
                      _location(faces, point), f.with_updates(holes=holes), _request(r, threads=None))


def _setups(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    target = int(row["to_setups"])
    if f.setups_3axis is None or len(f.setups_3axis) <= target:
        return None
    sides = f.setups_3axis
    return Relaxation(DriverKind.SETUPS, f"{len(sides)} setups ({', '.join(sides)})",
                      f"setups {len(sides)} -> {target} (features reachable from {', '.join(sides[:target])})",
                      None, f.with_updates(setups_3axis=list(sides[:target])), r)


def _five_axis(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    area = f.unreachable_area_mm2
    if not area or area <= 0:
        return None
    return Relaxation(DriverKind.FIVE_AXIS, f"{area:.0f} mm2 of faces reachable from no axis direction",
                      "undercuts removed: 5-axis -> 3-axis", _location([], f.unreachable_centroid_mm),
                      f.with_updates(unreachable_area_mm2=0.0), r)


def _nonstandard_holes(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    tol_mm = float(row["tolerance_mm"])
    odd = [h for h in f.holes or [] if h.likely_tap is None and not is_standard_drill(h.diameter_mm, tol_mm)]
    if not odd:
        return None
    holes = [replace(h, diameter_mm=nearest_standard_drill(h.diameter_mm), nearest_drill_mm=None)
             if h in odd else h for h in f.holes or []]
    first = odd[0]
    return Relaxation(
        DriverKind.NONSTANDARD_HOLES, f"{len(odd)} hole(s) off the standard drill sizes",
        f"hole Ø{first.diameter_mm:.2f} mm -> Ø{nearest_standard_drill(first.diameter_mm):g} mm"
        + (f" (and {len(odd) - 1} more)" if len(odd) > 1 else ""),
        _location([i for h in odd for i in h.face_ids], first.position_mm), f.with_updates(holes=holes), r)


def _material(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    substitute = dict(row.get("substitutes", {})).get(r.material)
    if substitute is None:
        return None
    return Relaxation(DriverKind.MATERIAL, f"material {r.material}", f"{substitute} instead of {r.material}",
                      None, f, _request(r, material=str(substitute)))


def _support(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    add = f.additive
    if add is None or add.support_volume_mm3 <= 0:
        return None
    relaxed: Additive = replace(add, support_volume_mm3=0.0, overhang_area_mm2=0.0)
    return Relaxation(DriverKind.SUPPORT, f"{add.support_volume_mm3:.0f} mm3 of print support "
                      f"under {add.overhang_area_mm2:.0f} mm2 of overhangs",
                      "overhangs made self-supporting (45 degree chamfers)", None, f.with_updates(additive=relaxed), r)


def _bend_radii(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    sheet = f.sheet_metal
    radii = sorted({round(b.inner_radius_mm, 2) for b in sheet.bends}) if sheet else []
    if sheet is None or len(radii) < 2:
        return None
    common = max(radii, key=lambda x: sum(1 for b in sheet.bends if round(b.inner_radius_mm, 2) == x))
    bends = [replace(b, inner_radius_mm=common) for b in sheet.bends]
    return Relaxation(DriverKind.BEND_RADII, f"{len(radii)} distinct bend radii ({', '.join(f'{x:g}' for x in radii)} mm)",
                      f"bend radii -> one radius of {common:g} mm", None,
                      f.with_updates(sheet_metal=replace(sheet, bends=bends)), r)


def _thin_wall(f: PartFeatures, r: QuoteRequest, row: Row) -> Relaxation | None:
    wall, target = f.min_wall_thickness_mm, float(row["below_mm"])
    if wall is None or wall >= target:
        return None
    return Relaxation(DriverKind.THIN_WALL, f"walls down to {wall:.2f} mm", f"wall {wall:g} mm -> {target:g} mm",
                      None, f.with_updates(min_wall_thickness_mm=target, thin_wall_area_mm2=0.0), r)


def _request(r: QuoteRequest, **changes: Any) -> QuoteRequest:
    """``r`` with ``changes`` (a material change looks its record up again)."""
    out = replace(r, **changes)
    if "material" not in changes:
        object.__setattr__(out, "material_record", r.material_record)
    return out


RULES: dict[DriverKind, Callable[[PartFeatures, QuoteRequest, Row], Relaxation | None]] = {
    DriverKind.INTERNAL_RADIUS: _internal_radius,
    DriverKind.DEEP_POCKET: _deep_pocket,
    DriverKind.TOLERANCE: _tolerance,
    DriverKind.THREADS: _threads,
    DriverKind.SETUPS: _setups,
    DriverKind.FIVE_AXIS: _five_axis,
    DriverKind.NONSTANDARD_HOLES: _nonstandard_holes,
    DriverKind.MATERIAL: _material,
    DriverKind.SUPPORT: _support,
    DriverKind.BEND_RADII: _bend_radii,
    DriverKind.THIN_WALL: _thin_wall,
}

#: the parameters each rule reads from its table row (besides ``kind``)
PARAMETERS: dict[DriverKind, tuple[str, ...]] = {
    DriverKind.INTERNAL_RADIUS: ("below_mm", "to_mm"),
    DriverKind.DEEP_POCKET: ("above_depth_to_width", "to_depth_to_width"),
    DriverKind.TOLERANCE: ("to",),
    DriverKind.SETUPS: ("to_setups",),
    DriverKind.NONSTANDARD_HOLES: ("tolerance_mm",),
    DriverKind.MATERIAL: ("substitutes",),
    DriverKind.THIN_WALL: ("below_mm",),
}

__all__ = ["PARAMETERS", "RULES", "Relaxation", "Row"]

"""The benchmark's parts, rebuilt in cadquery from the dimensions the sources give (code, not downloaded CAD).

Only this module imports cadquery; ``step_bytes`` hands the runner plain STEP bytes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import cadquery as cq


def step_bytes(shape: cq.Workplane) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.step"
        cq.exporters.export(shape, str(path), cq.exporters.ExportTypes.STEP)
        return path.read_bytes()


def cube(size_mm: float) -> cq.Workplane:
    return cq.Workplane("XY").box(size_mm, size_mm, size_mm)


def open_box(x_mm: float, y_mm: float, z_mm: float, wall_mm: float = 2.5) -> cq.Workplane:
    """A printed enclosure: an open-top box with walls and floor of ``wall_mm``."""
    outer = cq.Workplane("XY").box(x_mm, y_mm, z_mm)
    inner = cq.Workplane("XY").box(x_mm - 2 * wall_mm, y_mm - 2 * wall_mm, z_mm).translate((0, 0, wall_mm))
    return outer.cut(inner)


def l_bracket(length_mm: float, width_mm: float, height_mm: float, t_mm: float, hole_mm: float) -> cq.Workplane:
    """An L bracket of two plates with two holes in the base."""
    base = cq.Workplane("XY").box(length_mm, width_mm, t_mm).translate((0, 0, t_mm / 2))
    wall = cq.Workplane("XY").box(t_mm, width_mm, height_mm).translate((-length_mm / 2 + t_mm / 2, 0, height_mm / 2))
    part = base.union(wall)
    pts = [(length_mm / 4, -width_mm / 4), (length_mm / 4, width_mm / 4)]
    return part.faces("<Z").workplane().pushPoints(pts).hole(hole_mm)


def milled_housing(x_mm: float, y_mm: float, z_mm: float, wall_mm: float = 4.0) -> cq.Workplane:
    """A machined housing: a block with a filleted pocket from the top and four corner holes."""
    block = cq.Workplane("XY").box(x_mm, y_mm, z_mm)
    pocket = (cq.Workplane("XY").box(x_mm - 2 * wall_mm - 8, y_mm - 2 * wall_mm, z_mm - wall_mm)
              .edges("|Z").fillet(4.0).translate((0, 0, wall_mm / 2)))
    part = block.cut(pocket)
    dx, dy = x_mm / 2 - wall_mm - 0.5, y_mm / 2 - wall_mm / 2
    return part.faces(">Z").workplane().pushPoints([(dx, dy), (-dx, dy), (dx, -dy), (-dx, -dy)]).hole(3.3, 8.0)


def milled_bracket(x_mm: float, y_mm: float, z_mm: float) -> cq.Workplane:
    """A simple machined bracket: a block with a through slot step and two through holes."""
    block = cq.Workplane("XY").box(x_mm, y_mm, z_mm)
    step = cq.Workplane("XY").box(x_mm / 2, y_mm, z_mm / 2).translate((x_mm / 4, 0, z_mm / 4))
    part = block.cut(step)
    return part.faces("<Z").workplane().pushPoints([(-x_mm / 4, 0), (x_mm / 4, 0)]).hole(6.5)


def flat_plate(x_mm: float, y_mm: float, t_mm: float, holes: int, hole_mm: float) -> cq.Workplane:
    plate = cq.Workplane("XY").box(x_mm, y_mm, t_mm)
    pts = [(-x_mm / 2 + 10, -y_mm / 2 + 10), (x_mm / 2 - 10, y_mm / 2 - 10),
           (x_mm / 2 - 10, -y_mm / 2 + 10), (-x_mm / 2 + 10, y_mm / 2 - 10)][:holes]
    return plate.faces(">Z").workplane().pushPoints(pts).hole(hole_mm) if pts else plate


def bent_bracket(length_mm: float, width_mm: float, height_mm: float, t_mm: float) -> cq.Workplane:
    """A sheet-metal L bracket (one 90 degree bend, inside radius = thickness), two holes in the base."""
    r = t_mm
    profile = (cq.Workplane("XZ").moveTo(0, 0).lineTo(length_mm, 0).lineTo(length_mm, t_mm).lineTo(r + t_mm, t_mm)
               .radiusArc((t_mm, r + t_mm), r).lineTo(t_mm, height_mm).lineTo(0, height_mm).lineTo(0, r + t_mm)
               .radiusArc((r + t_mm, 0), -(r + t_mm)).close())
    part = profile.extrude(-width_mm)
    pts = [(length_mm * 0.6, width_mm * 0.3), (length_mm * 0.6, width_mm * 0.7)]
    return part.faces("<Z").workplane(centerOption="ProjectedOrigin", origin=(0, 0, 0)).pushPoints(
        [(x, -y) for x, y in pts]).hole(6.5)


BUILDERS: dict[str, Callable[[], cq.Workplane]] = {
    "cube20": lambda: cube(20.0),
    "box50x50x30": lambda: open_box(50.0, 50.0, 30.0),
    "box80x80x120": lambda: open_box(80.0, 80.0, 120.0),
    "box120x80x50": lambda: open_box(120.0, 80.0, 50.0),
    "box200x150x150": lambda: open_box(200.0, 150.0, 150.0, wall_mm=3.0),
    "lbracket60x40x30": lambda: l_bracket(60.0, 40.0, 30.0, 4.0, 5.0),
    "box100x60x30": lambda: open_box(100.0, 60.0, 30.0),
    "housing80x60x30": lambda: milled_housing(80.0, 60.0, 30.0),
    "bracket100x50x20": lambda: milled_bracket(100.0, 50.0, 20.0),
    "plate200x100x3": lambda: flat_plate(200.0, 100.0, 3.0, 4, 6.5),
    "sheetbracket80x40x40": lambda: bent_bracket(80.0, 40.0, 40.0, 2.0),
}

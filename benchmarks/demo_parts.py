"""cadquery builders of the SYNTHETIC demo parts of ``quoting.demo_history`` (STEP bytes).

They live outside the packages because only ``geometry`` may import cadquery;
the benchmark and the tests hand ``build_step`` to ``quoting.demo_history``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cadquery as cq

from quoting.demo_history import PartSpec


def build(spec: PartSpec) -> cq.Workplane:
    d = spec.dims_mm
    if spec.kind == "plate":
        length, width, t, hole_d = d
        wp = cq.Workplane("XY").box(length, width, t)
        pts = [(-length / 2 + 2 * hole_d, -width / 2 + 2 * hole_d), (length / 2 - 2 * hole_d, width / 2 - 2 * hole_d),
               (length / 2 - 2 * hole_d, -width / 2 + 2 * hole_d), (-length / 2 + 2 * hole_d, width / 2 - 2 * hole_d)]
        if spec.holes:
            wp = wp.faces(">Z").workplane().pushPoints(pts[: spec.holes]).hole(hole_d)
        return wp
    if spec.kind == "bracket":
        length, width, height, t, hole_d = d
        base = cq.Workplane("XY").box(length, width, t).translate((0, 0, t / 2))
        wall = cq.Workplane("XY").box(t, width, height).translate((-length / 2 + t / 2, 0, height / 2))
        wp = base.union(wall)
        if spec.holes:
            pts = [(length / 4, 0), (0, 0)][: spec.holes]
            wp = wp.faces(">Z[-2]").workplane().pushPoints(pts).hole(min(hole_d, width / 3))
        return wp
    if spec.kind == "pocketed_block":
        x, y, z, px, py, pz, r = d
        r = min(r, px / 2.5, py / 2.5)
        blk = cq.Workplane("XY").box(x, y, z)
        cut = cq.Workplane("XY").box(px, py, pz).edges("|Z").fillet(r).translate((0, 0, z / 2 - pz / 2))
        return blk.cut(cut)
    if spec.kind == "shaft":
        d1, l1, d2, l2 = d
        return cq.Workplane("XY").circle(d1 / 2).extrude(l1).faces(">Z").workplane().circle(d2 / 2).extrude(l2)
    if spec.kind == "sheet":
        length, width, flange, t = d
        base = cq.Workplane("XY").box(length, width, t).translate((0, 0, t / 2))
        wall = cq.Workplane("XY").box(t, width, flange).translate((length / 2 - t / 2, 0, flange / 2))
        wp = base.union(wall)
        if spec.holes:
            pts = [(-length / 4, -width / 4), (-length / 4, width / 4), (0, -width / 4), (0, width / 4)]
            wp = wp.faces("<Z").workplane().pushPoints(pts[: spec.holes]).hole(min(5.0, width / 6))
        return wp
    raise ValueError(f"unknown demo part kind {spec.kind!r}")


def build_step(spec: PartSpec) -> bytes:
    """STEP bytes (AP214, millimetres) of a demo part."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.step"
        cq.exporters.export(build(spec), str(path), cq.exporters.ExportTypes.STEP)
        return path.read_bytes()

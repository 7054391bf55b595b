"""Parts with known truth, built with cadquery inside the tests, and exported as files."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import cadquery as cq


def step_bytes(shape: cq.Workplane | cq.Shape) -> bytes:
    """Export a cadquery shape as STEP bytes in millimetres (inch files: tests/brep/parts.inch_step_bytes)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.step"
        wp = shape if isinstance(shape, cq.Workplane) else cq.Workplane().add(shape)
        cq.exporters.export(wp, str(path), cq.exporters.ExportTypes.STEP)
        return path.read_bytes()


def stl_bytes(shape: cq.Workplane | cq.Shape, tolerance: float = 0.01) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.stl"
        wp = shape if isinstance(shape, cq.Workplane) else cq.Workplane().add(shape)
        cq.exporters.export(wp, str(path), cq.exporters.ExportTypes.STL, tolerance=tolerance, angularTolerance=0.1)
        return path.read_bytes()


def plate_with_holes(length=100.0, width=60.0, thickness=8.0, hole_d=6.0, n_holes=4) -> cq.Workplane:
    """A plate with ``n_holes`` through holes on a rectangle 20 mm in from the edges."""
    pts = [(-length / 2 + 20, -width / 2 + 20), (length / 2 - 20, -width / 2 + 20),
           (length / 2 - 20, width / 2 - 20), (-length / 2 + 20, width / 2 - 20)][:n_holes]
    return cq.Workplane("XY").box(length, width, thickness).faces(">Z").workplane().pushPoints(pts).hole(hole_d)


def plate_with_holes_volume(length=100.0, width=60.0, thickness=8.0, hole_d=6.0, n_holes=4) -> float:
    return length * width * thickness - n_holes * math.pi * (hole_d / 2) ** 2 * thickness


def pocketed_block(size=(80.0, 60.0, 30.0), pocket=(40.0, 30.0, 15.0), corner_r=5.0) -> cq.Workplane:
    """A block with a rectangular pocket from the top, vertical pocket corners of radius ``corner_r``."""
    lx, ly, lz = size
    px, py, pz = pocket
    blk = cq.Workplane("XY").box(lx, ly, lz)
    cut = cq.Workplane("XY").box(px, py, pz).edges("|Z").fillet(corner_r).translate((0, 0, lz / 2 - pz / 2))
    return blk.cut(cut)


def pocketed_block_volume(size=(80.0, 60.0, 30.0), pocket=(40.0, 30.0, 15.0), corner_r=5.0) -> float:
    lx, ly, lz = size
    px, py, pz = pocket
    pocket_area = px * py - (4 - math.pi) * corner_r**2
    return lx * ly * lz - pocket_area * pz

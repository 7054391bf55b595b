"""Parts with known truth, built with cadquery inside the tests: the one part factory.

Exporters (``step_bytes``, ``stl_bytes``, ``inch_step_bytes``) and parts whose
volume, holes, pockets, bends or solids are known by construction.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cadquery as cq


def step_bytes(shape: cq.Workplane | cq.Shape) -> bytes:
    """Export a cadquery shape as STEP bytes in millimetres (inch files: ``inch_step_bytes``)."""
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


def cost_driver_block(corner_r: float = 1.0, pocket_depth: float = 36.0) -> cq.Workplane:
    """An 80 x 60 x 40 block with a 40 x 12 pocket ``pocket_depth`` deep from the top, corners of ``corner_r``.

    The cost-driver part: a small internal radius (1 mm) and a deep, narrow pocket (36 mm for 12 mm);
    rebuilt with a 3 mm radius or an 18 mm deep pocket, it is the part after a driver's change.
    """
    return pocketed_block(size=(80.0, 60.0, 40.0), pocket=(40.0, 12.0, pocket_depth), corner_r=corner_r)


def holes_plate() -> cq.Workplane:
    """100 x 60 x 20 plate, top at z = 10, with one hole of each kind (see ``HOLES``)."""
    plate = cq.Workplane("XY").box(100, 60, 20)
    top = plate.faces(">Z").workplane(centerOption="CenterOfBoundBox")
    plate = top.pushPoints([(-35, 15)]).hole(6.0)  # through
    plate = plate.faces(">Z").workplane(centerOption="CenterOfBoundBox").pushPoints([(-15, 15)]).hole(8.0, 12.0)
    plate = plate.faces(">Z").workplane(centerOption="CenterOfBoundBox").pushPoints([(5, 15)]).cboreHole(6.6, 11.0, 6.8)
    plate = plate.faces(">Z").workplane(centerOption="CenterOfBoundBox").pushPoints([(25, 15)]).cskHole(6.6, 12.0, 90)
    plate = plate.faces(">Z").workplane(centerOption="CenterOfBoundBox").pushPoints([(-35, -15)]).hole(5.0)  # M6 tap drill
    # a drilled blind hole with a 118 degree point: cylinder 10 deep, then the cone
    r, depth = 2.5, 10.0
    tip = r / math.tan(math.radians(59))
    drill = (
        cq.Workplane("XZ")
        .moveTo(0, 10.0 + 1.0).lineTo(r, 10.0 + 1.0).lineTo(r, 10.0 - depth).lineTo(0, 10.0 - depth - tip).close()
        .revolve(360, (0, 0, 0), (0, 1, 0))
        .translate((5, -15, 0))
    )
    return plate.cut(drill)


#: (position x, y) -> (diameter, depth, through, kind, extra) of ``holes_plate``
HOLES = {
    (-35.0, 15.0): (6.0, 20.0, True, "plain"),
    (-15.0, 15.0): (8.0, 12.0, False, "plain"),
    (5.0, 15.0): (6.6, 20.0, True, "counterbore"),
    (25.0, 15.0): (6.6, 20.0, True, "countersink"),
    (-35.0, -15.0): (5.0, 20.0, True, "plain"),
    (5.0, -15.0): (5.0, 10.0, False, "plain"),
}


def sharp_pocket_block() -> cq.Workplane:
    """80 x 60 x 30 block with a 40 x 30 x 15 pocket whose vertical corners are sharp."""
    blk = cq.Workplane("XY").box(80, 60, 30)
    return blk.cut(cq.Workplane("XY").box(40, 30, 15).translate((0, 0, 7.5)))


def stepped_shaft() -> cq.Workplane:
    """Ø20 x 30 then Ø12 x 20 along +Z, 1 mm chamfer on the end: max Ø20, length 50."""
    shaft = cq.Workplane("XY").circle(10).extrude(30).faces(">Z").workplane().circle(6).extrude(20)
    return shaft.faces(">Z").edges().chamfer(1.0)


def shaft_with_cross_hole() -> cq.Workplane:
    return stepped_shaft().cut(cq.Workplane("YZ").circle(2.0).extrude(30, both=True).translate((0, 0, 15)))


def flange() -> cq.Workplane:
    """Ø80 x 10 disc with a Ø30 x 20 hub, Ø12 bore, 6 holes Ø8 on a Ø60 bolt circle: length 30."""
    disc = cq.Workplane("XY").circle(40).extrude(10)
    hub = cq.Workplane("XY").workplane(offset=10).circle(15).extrude(20)
    body = disc.union(hub).faces(">Z").workplane().hole(12.0)
    return body.faces("<Z").workplane().polarArray(30, 0, 360, 6).hole(8.0)


@dataclass(frozen=True)
class SheetTruth:
    thickness_mm: float
    inner_radius_mm: float
    width_mm: float
    #: flat lengths of the legs, between bends [mm]
    legs_mm: tuple[float, ...]
    #: signed bend angles (left turn positive) [deg]
    bends_deg: tuple[float, ...]

    def flat_length_mm(self, k: float = 0.44) -> float:
        return sum(self.legs_mm) + sum(
            math.radians(abs(a)) * (self.inner_radius_mm + k * self.thickness_mm) for a in self.bends_deg
        )

    @property
    def volume_mm3(self) -> float:
        mid = self.inner_radius_mm + self.thickness_mm / 2
        return self.width_mm * self.thickness_mm * (
            sum(self.legs_mm) + sum(math.radians(abs(a)) * mid for a in self.bends_deg)
        )


L_PART = SheetTruth(2.0, 3.0, 40.0, (50.0, 30.0), (90.0,))
U_PART = SheetTruth(1.5, 2.0, 60.0, (25.0, 40.0, 25.0), (90.0, 90.0))
Z_PART = SheetTruth(3.0, 4.0, 50.0, (30.0, 35.0, 30.0), (90.0, -90.0))
V_PART = SheetTruth(2.0, 5.0, 30.0, (40.0, 40.0), (135.0,))


def bent_sheet(truth: SheetTruth) -> cq.Workplane:
    """A sheet part: legs joined by bends of inner radius r, drawn as a profile in XY, extruded along Z."""
    t, r = truth.thickness_mm, truth.inner_radius_mm
    mid = r + t / 2
    px, py, heading = 0.0, 0.0, 0.0
    left: list[tuple] = [("start", _off(px, py, heading, t / 2))]
    right: list[tuple] = [("start", _off(px, py, heading, -t / 2))]
    for i, leg in enumerate(truth.legs_mm):
        px, py = px + leg * math.cos(heading), py + leg * math.sin(heading)
        left.append(("line", _off(px, py, heading, t / 2)))
        right.append(("line", _off(px, py, heading, -t / 2)))
        if i < len(truth.bends_deg):
            turn = math.radians(truth.bends_deg[i])
            side = 1.0 if turn > 0 else -1.0
            cx, cy = _off(px, py, heading, side * mid)
            for path, offset in ((left, t / 2), (right, -t / 2)):
                start = _off(px, py, heading, offset)
                path.append(("arc", _rot(start, (cx, cy), turn / 2), _rot(start, (cx, cy), turn)))
            px, py = _rot((px, py), (cx, cy), turn)
            heading += turn
    wp = cq.Workplane("XY").moveTo(*left[0][1])
    for item in left[1:]:
        wp = wp.lineTo(*item[1]) if item[0] == "line" else wp.threePointArc(item[1], item[2])
    wp = wp.lineTo(*right[-1][1])
    for k in range(len(right) - 1, 0, -1):
        item, previous = right[k], right[k - 1]
        target = previous[1] if previous[0] != "arc" else previous[2]
        wp = wp.lineTo(*target) if item[0] == "line" else wp.threePointArc(item[1], target)
    return wp.close().extrude(truth.width_mm)


def _off(x: float, y: float, heading: float, d: float) -> tuple[float, float]:
    return (x - d * math.sin(heading), y + d * math.cos(heading))


def _rot(p: tuple[float, float], c: tuple[float, float], angle: float) -> tuple[float, float]:
    dx, dy = p[0] - c[0], p[1] - c[1]
    ca, sa = math.cos(angle), math.sin(angle)
    return (c[0] + ca * dx - sa * dy, c[1] + sa * dx + ca * dy)


def identical_and_odd_solids() -> cq.Compound:
    """Three copies of one bracket (moved and turned) and one different block."""
    base = cq.Workplane("XY").box(30, 20, 10).faces(">Z").workplane().hole(5.0).val()
    copies = [
        base,
        base.translate(cq.Vector(100, 0, 0)),
        base.rotate(cq.Vector(0, 0, 0), cq.Vector(0, 0, 1), 37).translate(cq.Vector(0, 100, 0)),
    ]
    other = cq.Workplane("XY").box(10, 10, 10).val().translate(cq.Vector(-100, 0, 0))
    return cq.Compound.makeCompound([*copies, other])


def inch_step_bytes(shape: cq.Workplane) -> bytes:
    """A STEP file in inches: ``shape``'s numbers are written as inches.

    The writer of this OCCT version always writes millimetres, so its length
    unit is replaced by the conversion-based INCH unit real inch files carry.
    """
    from tests.parts import step_bytes

    text = step_bytes(shape).decode()
    mm_unit = "( LENGTH_UNIT() NAMED_UNIT(*) SI_UNIT(.MILLI.,.METRE.) )"
    assert text.count(mm_unit) == 1, "unexpected STEP unit entity"
    text = text.replace(mm_unit, "( CONVERSION_BASED_UNIT('INCH',#990001) LENGTH_UNIT() NAMED_UNIT(#990002) )")
    extra = (
        "#990001 = LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(25.4),#990003);\n"
        "#990002 = DIMENSIONAL_EXPONENTS(1.,0.,0.,0.,0.,0.,0.);\n"
        f"#990003 = {mm_unit};\n"
    )
    end = text.rindex("ENDSEC;")  # the DATA section is the file's last section
    text = text[:end] + extra + text[end:]
    return text.encode()


def history_zip(broken_file: bool = False, unknown_material: bool = False) -> tuple[bytes, bytes]:
    """A small synthetic job history (15 usable rows over three milled parts) and the zip of its CAD files;
    ``broken_file`` adds a row whose file is not CAD, ``unknown_material`` a row with an unknown material.
    Returns (csv bytes, zip bytes)."""
    import io
    import zipfile

    parts = {
        "plate.step": step_bytes(plate_with_holes()),
        "block.step": step_bytes(pocketed_block()),
        "small.step": step_bytes(plate_with_holes(length=50.0, width=30.0, thickness=5.0)),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(f"cad/{name}", data)
        if broken_file:
            z.writestr("cad/broken.step", b"not a CAD file at all")
    rows = ["file,process,material,quantity,price_eur"]
    base = {"plate.step": 120.0, "block.step": 260.0, "small.step": 70.0}
    for i, q in enumerate((1, 2, 5, 10, 20)):
        for name, price in base.items():
            rows.append(f"cad/{name},cnc_milling,al6061,{q},{price * q ** 0.8 * (1 + 0.03 * (i % 3)):.2f}")
    if broken_file:
        rows.append("cad/broken.step,cnc_milling,al6061,1,50")
    if unknown_material:
        rows.append("cad/plate.step,cnc_milling,unobtainium,1,50")
    return "\n".join(rows).encode(), buf.getvalue()

"""DXF flat parts: contours, cut length, pierces, errors, and the real laser DXFs of the corpus."""

from __future__ import annotations

import io
import math
from pathlib import Path

import ezdxf
import pytest

from geometry import extract, load_bytes
from geometry.errors import GeometryError, OpenContourError, ThicknessRequiredError
from quoting.engine import quote_file
from quoting.materials import get_material
from quoting.processes.sheet_metal import SheetMetalModel
from quoting.request import QuoteRequest

MAX_CORPUS_DXF_S = 600


def dxf_bytes(build, units: int = 4) -> bytes:
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = units
    build(doc.modelspace())
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


def plate_with_hole(msp):
    """100 x 50 plate of four LINEs, a Ø10 CIRCLE hole, a slot of LINEs + ARCs, and a dimension."""
    for a, b in [((0, 0), (100, 0)), ((100, 0), (100, 50)), ((100, 50), (0, 50)), ((0, 50), (0, 0))]:
        msp.add_line(a, b)
    msp.add_circle((25, 25), 5)
    # slot 20 long, 6 wide, centred at (70, 25): two lines and two half circles
    msp.add_line((60, 22), (80, 22))
    msp.add_line((80, 28), (60, 28))
    msp.add_arc((80, 25), 3, -90, 90)
    msp.add_arc((60, 25), 3, 90, 270)
    msp.add_text("PART-1").set_placement((5, 5))


def test_flat_part_measures():
    data = dxf_bytes(plate_with_hole)
    f = extract(load_bytes(data, "plate.dxf", thickness_mm=3.0))
    sm = f.sheet_metal
    assert sm is not None and sm.bends == [] and sm.thickness_mm == 3.0
    assert sm.pierces == 2  # inner contours: the hole and the slot (the outline is priced on top)
    slot_len = 2 * 20 + 2 * math.pi * 3
    assert sm.cut_length_mm == pytest.approx(300 + math.pi * 10 + slot_len, rel=1e-3)
    slot_area = 20 * 6 + math.pi * 9
    assert sm.flat_area_mm2 == pytest.approx(5000 - math.pi * 25 - slot_area, rel=1e-3)
    assert sm.flat_bbox_mm == pytest.approx((100.0, 50.0))
    assert f.volume_mm3 == pytest.approx(sm.flat_area_mm2 * 3.0, rel=1e-6)
    assert f.mesh.watertight
    assert f.bbox_mm == pytest.approx((100.0, 50.0, 3.0))
    assert len(f.holes) == 1 and f.holes[0].diameter_mm == pytest.approx(10.0)
    assert f.source.units == "mm" and f.source.units_source == "file"


def test_flat_part_quotes_hand_computed_laser_time():
    f = extract(load_bytes(dxf_bytes(plate_with_hole), "plate.dxf", thickness_mm=3.0))
    est = SheetMetalModel().estimate(f, get_material("s235"), "fiber_laser_brake")
    cut = next(o for o in est.operations if o.name == "laser_cutting")
    assert cut.time_min == pytest.approx(f.sheet_metal.cut_length_mm / 5500.0)  # 3 mm mild steel
    assert not any(o.name == "bending" for o in est.operations)


def test_inch_drawing_is_scaled():
    f = extract(load_bytes(dxf_bytes(plate_with_hole, units=1), "plate.dxf", thickness_mm=2.0))
    assert f.sheet_metal.flat_bbox_mm == pytest.approx((2540.0, 1270.0))
    assert f.source.units == "in"


def test_thickness_is_required():
    with pytest.raises(ThicknessRequiredError, match="thickness"):
        load_bytes(dxf_bytes(plate_with_hole), "plate.dxf")
    with pytest.raises(ThicknessRequiredError, match="between"):
        load_bytes(dxf_bytes(plate_with_hole), "plate.dxf", thickness_mm=-1.0)


def test_open_contour_is_named():
    def broken(msp):
        msp.add_line((0, 0), (100, 0))
        msp.add_line((100, 0), (100, 50))
        msp.add_line((100, 50), (0, 50), dxfattribs={"layer": "CUT"})

    with pytest.raises(OpenContourError, match=r"LINE.*layer 'CUT'.*\(0\.000, 50\.000\)"):
        load_bytes(dxf_bytes(broken), "broken.dxf", thickness_mm=2.0)


def test_duplicated_and_reversed_entities_chain_once():
    def doubled(msp):
        square = [((0, 0), (50, 0)), ((50, 0), (50, 50)), ((50, 50), (0, 50)), ((0, 50), (0, 0))]
        for a, b in square:
            msp.add_line(a, b)
        for a, b in square[:2]:
            msp.add_line(b, a)  # drawn again, the other way round
        msp.add_arc((25, 25), 5, 0, 180)
        msp.add_arc((25, 25), 5, 180, 360)

    f = extract(load_bytes(dxf_bytes(doubled), "doubled.dxf", thickness_mm=1.0))
    assert f.solids == 1 and f.sheet_metal.pierces == 1
    assert f.sheet_metal.cut_length_mm == pytest.approx(200 + math.pi * 10, rel=1e-3)
    assert f.sheet_metal.flat_area_mm2 == pytest.approx(2500 - math.pi * 25, rel=1e-3)


def test_contours_touching_at_a_corner_are_two_pieces():
    def touching(msp):
        for ox, oy in ((0, 0), (10, 10)):
            pts = [(ox, oy), (ox + 10, oy), (ox + 10, oy + 10), (ox, oy + 10)]
            for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
                msp.add_line(a, b)

    f = extract(load_bytes(dxf_bytes(touching), "touching.dxf", thickness_mm=1.0))
    assert f.solids == 2
    assert f.sheet_metal.flat_area_mm2 == pytest.approx(200.0)


def test_a_divided_outline_is_open():
    def divided(msp):
        pts = [(0, 0), (10, 0), (20, 0), (20, 10), (10, 10), (0, 10)]
        for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
            msp.add_line(a, b)
        msp.add_line((10, 0), (10, 10))  # two cells and the outline share edges: one loop is left open

    with pytest.raises(OpenContourError, match=r"open: the LINE .* where other contours meet"):
        load_bytes(dxf_bytes(divided), "divided.dxf", thickness_mm=1.0)


def test_drawing_without_contour():
    with pytest.raises(GeometryError, match="no cut contour"):
        load_bytes(dxf_bytes(lambda msp: msp.add_text("hello")), "text.dxf", thickness_mm=2.0)


def test_several_pieces_and_a_piece_in_a_hole():
    def nest(msp):
        msp.add_lwpolyline([(0, 0), (100, 0), (100, 100), (0, 100)], close=True)
        msp.add_lwpolyline([(10, 10), (90, 10), (90, 90), (10, 90)], close=True)  # cut-out
        msp.add_lwpolyline([(20, 20), (40, 20), (40, 40), (20, 40)], close=True)  # piece in the cut-out
        msp.add_circle((200, 50), 20)  # a separate round piece

    f = extract(load_bytes(dxf_bytes(nest), "nest.dxf", thickness_mm=1.0))
    assert f.solids == 3
    assert f.sheet_metal.pierces == 3  # the cut-out and the outlines of the two further pieces
    assert f.sheet_metal.flat_area_mm2 == pytest.approx(100**2 - 80**2 + 20**2 + math.pi * 400, rel=1e-3)
    assert any(x.code == "dxf_several_pieces" for x in f.findings)


def test_quote_file_passes_thickness(tmp_path):
    path = tmp_path / "plate.dxf"
    path.write_bytes(dxf_bytes(plate_with_hole))
    features, q = quote_file(path, QuoteRequest.parse(material="s235", quantities=(1, 50), process="sheet_metal",
                                                      thickness_mm=2.0))
    assert features.sheet_metal.thickness_mm == 2.0
    assert q.offers, [i.reasons for i in q.ineligible]


# --- the real laser DXFs -----------------------------------------------------------------------

QUOTABLE = [
    "1002_tray_bottom.DXF", "125_aluminum_srcMH.DXF", "ChuteHolderPrint.DXF", "LM2.dxf", "apu-mount.DXF",
    "insert.dxf", "sliding-base.dxf", "spline.DXF", "wrench.dxf",
]


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("name", QUOTABLE)
def test_corpus_laser_dxf_quotes(corpus_dir: Path, name: str):
    path = corpus_dir / "trimesh-models" / "2D" / name
    if not path.exists():
        pytest.skip(f"{path} not in this corpus")
    features, q = quote_file(path, QuoteRequest.parse(material="s235", quantities=(1, 10), process="sheet_metal",
                                                      thickness_mm=2.0))
    sm = features.sheet_metal
    assert sm is not None and sm.cut_length_mm > 0 and sm.pierces >= 1 and sm.flat_area_mm2 > 0
    assert features.mesh.watertight
    assert features.volume_mm3 == pytest.approx(sm.flat_area_mm2 * 2.0, rel=1e-6)
    est = SheetMetalModel().estimate(features, get_material("s235"), "fiber_laser_brake")
    assert est.part_time_min > 0 and est.nesting.parts_per_sheet >= 1
    assert q.offers, [i.reasons for i in q.ineligible]


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize(("name", "error", "match"), [
    ("broken_loop.dxf", OpenContourError, "open"),
    ("text.dxf", GeometryError, "no cut contour"),
])
def test_corpus_bad_dxf_errors(corpus_dir: Path, name: str, error: type, match: str):
    path = corpus_dir / "trimesh-models" / "2D" / name
    if not path.exists():
        pytest.skip(f"{path} not in this corpus")
    with pytest.raises(error, match=match):
        load_bytes(path.read_bytes(), name, thickness_mm=2.0)

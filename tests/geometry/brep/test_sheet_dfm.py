"""Bend placement on B-rep sheet parts: axis point, tangent lines, flange directions and lengths.

The truth is walked along the same centre line ``parts.bent_sheet`` draws: each bend's centre,
the heading in and out, and the legs on either side.
"""

from __future__ import annotations

import math

import cadquery as cq
import pytest

from tests import parts

SHEETS = {"L": parts.L_PART, "U": parts.U_PART, "Z": parts.Z_PART, "V135": parts.V_PART}


def bend_truth(truth: parts.SheetTruth) -> list[dict]:
    """Per bend: axis point, {inner tangent point: flange direction}, shorter flange [mm]."""
    t, r = truth.thickness_mm, truth.inner_radius_mm
    mid = r + t / 2
    px, py, heading = 0.0, 0.0, 0.0
    out = []
    for i, leg in enumerate(truth.legs_mm[:-1]):
        px, py = px + leg * math.cos(heading), py + leg * math.sin(heading)
        turn = math.radians(truth.bends_deg[i])
        side = 1.0 if turn > 0 else -1.0
        cx, cy = parts._off(px, py, heading, side * mid)
        ex, ey = parts._rot((px, py), (cx, cy), turn)
        after = heading + turn
        flanges = {}
        for (qx, qy), (dx, dy) in (((px, py), (-math.cos(heading), -math.sin(heading))),
                                   ((ex, ey), (math.cos(after), math.sin(after)))):
            ux, uy = (qx - cx) / mid, (qy - cy) / mid  # from the axis towards the centre line
            flanges[(cx + r * ux, cy + r * uy, truth.width_mm / 2)] = (dx, dy, 0.0)
        out.append({"axis_point": (cx, cy, truth.width_mm / 2), "flanges": flanges,
                    "flange": min(leg, truth.legs_mm[i + 1])})
        px, py, heading = ex, ey, after
    return out


@pytest.fixture(scope="module")
def built():
    return {name: parts.bent_sheet(truth) for name, truth in SHEETS.items()}


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_bend_placement(measure, built, name) -> None:
    s = measure(built[name]).sheet_metal
    assert s is not None
    expected = bend_truth(SHEETS[name])
    assert len(s.bends) == len(expected)
    for b in s.bends:
        want = min(expected, key=lambda e: math.dist(e["axis_point"], b.axis_point_mm))
        assert b.axis == pytest.approx((0.0, 0.0, 1.0))
        assert b.axis_point_mm == pytest.approx(want["axis_point"], abs=1e-6)
        assert b.flange_length_mm == pytest.approx(want["flange"], abs=1e-6)
        assert b.tangent_points_mm is not None and b.flange_directions is not None
        assert len(b.tangent_points_mm) == len(b.flange_directions) == 2
        for point, direction in zip(b.tangent_points_mm, b.flange_directions, strict=True):
            key = min(want["flanges"], key=lambda p: math.dist(p, point))
            assert point == pytest.approx(key, abs=1e-6)
            assert direction == pytest.approx(want["flanges"][key], abs=1e-6)


def test_short_flange_is_measured(measure) -> None:
    short = parts.SheetTruth(2.0, 2.0, 40.0, (50.0, 3.0), (90.0,))
    s = measure(parts.bent_sheet(short)).sheet_metal
    assert s is not None and len(s.bends) == 1
    assert s.bends[0].flange_length_mm == pytest.approx(3.0, abs=1e-6)


def test_filleted_union_bracket(measure) -> None:
    """A bracket modelled as two boxes and two fillets (inner r = 2 at (2, 2), outer r = 4 at (0, 0))."""
    t, r = 2.0, 2.0
    bracket = cq.Workplane("XY").box(60, 40, t, centered=False).union(cq.Workplane("XY").box(t, 40, 30, centered=False))
    bracket = bracket.edges(cq.selectors.NearestToPointSelector((t, 20, t))).fillet(r)
    bracket = bracket.edges(cq.selectors.NearestToPointSelector((0, 20, 0))).fillet(r + t)
    s = measure(bracket).sheet_metal
    assert s is not None and len(s.bends) == 1
    b = s.bends[0]
    assert b.axis == pytest.approx((0.0, 1.0, 0.0))
    assert b.axis_point_mm == pytest.approx((4.0, 20.0, 4.0), abs=1e-6)
    # the base runs from the tangent line x = 4 to x = 60 (56), the upright from z = 4 to z = 30 (26)
    assert b.flange_length_mm == pytest.approx(26.0, abs=1e-6)
    sides = sorted(p + d for p, d in zip(b.tangent_points_mm, b.flange_directions, strict=True))
    assert sides[0] == pytest.approx((2.0, 20.0, 4.0, 0.0, 0.0, 1.0), abs=1e-6)  # upright, inner face x = 2
    assert sides[1] == pytest.approx((4.0, 20.0, 2.0, 1.0, 0.0, 0.0), abs=1e-6)  # base, inner face z = 2


def test_bend_fields_survive_the_codec(measure, built) -> None:
    from geometry.features import PartFeatures

    f = measure(built["V135"])
    again = PartFeatures.from_dict(f.to_dict())
    assert again.sheet_metal == f.sheet_metal

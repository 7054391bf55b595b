"""The build orientation's skin areas (``Additive.up_area_mm2``, ``down_area_mm2``): measured on a real part,
carried through the features JSON, and old JSON without them still loads."""

from __future__ import annotations

import pytest

from geometry import extract, load_bytes
from geometry.features import Additive, PartFeatures
from tests import parts as cadparts


@pytest.fixture(scope="module")
def plate() -> PartFeatures:
    return extract(load_bytes(cadparts.step_bytes(cadparts.plate_with_holes()), "plate.step"))


def test_plate_faces_up_and_down_over_its_footprint(plate: PartFeatures) -> None:
    """The 100 x 60 x 8 mm plate with four holes lies flat: its top and bottom, less the holes, face up and down."""
    add = plate.additive
    assert add is not None and add.build_height_mm == pytest.approx(8.0, abs=1e-3)
    footprint = 100 * 60 - 4 * 3.141592653589793 * 9
    assert add.up_area_mm2 == pytest.approx(footprint, rel=1e-3)
    assert add.down_area_mm2 == pytest.approx(footprint, rel=1e-3)


def test_skin_areas_survive_the_json_round_trip(plate: PartFeatures) -> None:
    back = PartFeatures.from_dict(plate.to_dict())
    assert back.additive == plate.additive
    assert back.to_dict()["additive"]["up_area_mm2"] == plate.to_dict()["additive"]["up_area_mm2"]


def test_features_stored_before_the_skin_areas_still_load(plate: PartFeatures) -> None:
    old = plate.to_dict()
    del old["additive"]["up_area_mm2"], old["additive"]["down_area_mm2"]
    back = PartFeatures.from_dict(old)
    assert back.additive is not None
    assert back.additive.up_area_mm2 is None and back.additive.down_area_mm2 is None
    assert back.additive.support_volume_mm3 == old["additive"]["support_volume_mm3"]


def test_additive_built_by_position_keeps_its_four_fields() -> None:
    add = Additive((0.0, 0.0, 1.0), 10.0, 0.0, 0.0)
    assert (add.up_area_mm2, add.down_area_mm2) == (None, None)

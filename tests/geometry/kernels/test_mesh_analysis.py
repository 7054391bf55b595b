"""mesh_features: the dict contract extract() relies on, on closed and broken meshes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from geometry.features import Additive, MeshInfo, PartFeatures
from geometry.mesh_analysis import mesh_features
from tests.geometry.kernels.shapes import box_mesh, hollow_box, l_block, t_slot

_FIELDS = {f.name for f in dataclasses.fields(PartFeatures)}


def test_box_fills_every_mesh_field() -> None:
    v, f = box_mesh((10.0, 20.0, 30.0), (5.0, 5.0, 5.0))
    out = mesh_features(v, f)
    assert set(out) - {"unmeasured"} <= _FIELDS
    assert out["unmeasured"] == {}
    assert out["volume_mm3"] == pytest.approx(6000.0)
    assert out["area_mm2"] == pytest.approx(2200.0)
    assert out["centroid_mm"] == pytest.approx((5.0, 5.0, 5.0))
    assert out["bbox_mm"] == pytest.approx((10.0, 20.0, 30.0))
    assert out["obb_mm"] == pytest.approx((30.0, 20.0, 10.0))
    assert out["convex_hull_volume_mm3"] == pytest.approx(6000.0)
    assert out["min_wall_thickness_mm"] == pytest.approx(10.0)
    assert out["setups_3axis"] == ["+Z", "-Z"]
    assert out["unreachable_area_mm2"] == 0.0
    assert isinstance(out["mesh"], MeshInfo) and out["mesh"].watertight and out["mesh"].bodies == 1
    assert isinstance(out["additive"], Additive)
    assert out["additive"].support_volume_mm3 == 0.0
    assert out["additive"].build_height_mm == pytest.approx(10.0)


def test_hollow_box_wall_and_cavity() -> None:
    out = mesh_features(*hollow_box(30.0, 2.0))
    assert out["volume_mm3"] == pytest.approx(30.0**3 - 26.0**3)
    assert out["min_wall_thickness_mm"] == pytest.approx(2.0)
    assert out["wall_thickness_p50_mm"] == pytest.approx(2.0)
    assert out["unreachable_area_mm2"] == pytest.approx(6 * 26.0**2)
    assert out["mesh"].bodies == 2


def test_t_slot_reports_where_the_undercut_is() -> None:
    out = mesh_features(*t_slot())
    assert out["unreachable_area_mm2"] == pytest.approx(1300.0)
    assert out["unreachable_centroid_mm"] == pytest.approx((17.5, 12.5, 10.0))


def test_l_block_two_setups() -> None:
    assert mesh_features(*l_block())["setups_3axis"] == ["+Z", "-Z"]


def test_inside_out_mesh_is_turned_around() -> None:
    v, f = box_mesh((1.0, 2.0, 3.0))
    out = mesh_features(v, f[:, ::-1])
    assert out["volume_mm3"] == pytest.approx(6.0)
    assert out["min_wall_thickness_mm"] == pytest.approx(1.0)


def test_open_mesh_has_no_volume_and_says_why() -> None:
    v, f = box_mesh((1.0, 2.0, 3.0))
    out = mesh_features(v, f[:-1])
    for name in ("volume_mm3", "centroid_mm", "min_wall_thickness_mm", "setups_3axis", "additive"):
        assert name not in out
        assert "3 open edges" in out["unmeasured"][name]
    removed = v[f[-1]]
    missing = 0.5 * np.linalg.norm(np.cross(removed[1] - removed[0], removed[2] - removed[0]))
    assert out["area_mm2"] == pytest.approx(22.0 - missing)
    assert out["mesh"].open_edges == 3 and not out["mesh"].watertight


def test_flat_mesh_has_no_hull() -> None:
    v = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float64)
    f = np.array([[0, 1, 2], [0, 2, 1]])  # a closed, two-sided triangle
    out = mesh_features(v, f)
    assert "flat" in out["unmeasured"]["convex_hull_volume_mm3"]
    assert "encloses no volume" in out["unmeasured"]["volume_mm3"]


@pytest.mark.parametrize("concurrent", [True, False])
def test_hull_and_box_on_the_second_thread_match_the_serial_ones(monkeypatch: pytest.MonkeyPatch,
                                                                  concurrent: bool) -> None:
    """The hull (and, when the threading layer allows, the box) on the second thread: the same fields as on one."""
    import geometry.kernels._config as config
    import geometry.mesh_analysis as analysis

    v, f = l_block()
    serial = mesh_features(v, f)
    monkeypatch.setattr(config, "PARALLEL_MIN_ITEMS", 1)
    monkeypatch.setattr(analysis, "_concurrent_kernels", lambda: concurrent)
    threaded = mesh_features(v, f)
    for name in ("convex_hull_volume_mm3", "obb_mm", "volume_mm3", "min_wall_thickness_mm", "unmeasured"):
        assert threaded[name] == serial[name]


def test_concurrent_kernels_only_on_tbb() -> None:
    """TBB is the layer this project asks for (``use_fork_safe_threads``); workqueue must never be used from two threads."""
    import numba

    from geometry.mesh_analysis import _concurrent_kernels

    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = None
    if layer is not None:
        assert _concurrent_kernels() == (layer == "tbb")
    else:
        assert isinstance(_concurrent_kernels(), bool)


def test_faces_labelled_beside_the_accessibility_rays_once_a_finding_needs_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Overhang flagged: the face ids are worked out once, on the second thread, and name the same faces."""
    import threading

    import geometry.kernels._config as config
    import geometry.mesh_analysis as analysis

    v, f = t_slot()
    ids = np.arange(len(f), dtype=np.int64) // 2
    serial = mesh_features(v, f, face_ids=lambda: ids)
    assert serial["overhang_faces"] or serial["thin_wall_faces"]
    threads: list[str] = []

    def face_ids() -> np.ndarray:
        threads.append(threading.current_thread().name)
        return ids

    monkeypatch.setattr(config, "PARALLEL_MIN_ITEMS", 1)
    monkeypatch.setattr(analysis, "_concurrent_kernels", lambda: True)
    threaded = mesh_features(v, f, face_ids=face_ids)
    assert len(threads) == 1 and threads[0].startswith("microfab-faces")
    for name in ("thin_wall_faces", "unreachable_faces", "overhang_faces", "unmeasured"):
        assert threaded[name] == serial[name]

"""mesh_health against a dict-and-flood-fill twin."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from geometry.errors import InputError
from geometry.kernels import mesh_health
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, hollow_box, l_block


def _meshes():
    v, f = box_mesh((1.0, 1.0, 1.0))
    hv, hf = hollow_box()
    lv, lf = l_block()
    flipped = f.copy()
    flipped[0] = flipped[0, ::-1]
    s = trimesh.creation.icosphere(2)
    fan = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 1], [0, 1, 4]])
    return {
        "box": (v, f, True, 1),
        "hollow": (hv, hf, True, 2),
        "l_block": (lv, lf, True, 1),
        "open": (v, f[:-1], False, 1),
        "flipped_face": (v, flipped, False, 1),
        "two_boxes": (np.concatenate([v, v + 5]), np.concatenate([f, f + 8]), True, 2),
        "sphere": (s.vertices, s.faces, True, 1),
        "nonmanifold": (np.random.default_rng(0).normal(size=(5, 3)), fan, False, 1),
    }


@pytest.mark.parametrize("name", list(_meshes()))
def test_matches_twin(name) -> None:
    v, f, watertight, bodies = _meshes()[name]
    got = mesh_health(v, f)
    open_, nonman, incons, nbodies = naive.health(f)
    assert (got.open_edges, got.nonmanifold_edges, got.inconsistent_edges, got.bodies) == (open_, nonman, incons, nbodies)
    assert got.watertight is watertight
    assert got.bodies == bodies
    assert got.triangles == len(f)


def test_degenerate_faces_are_counted() -> None:
    v, f = box_mesh((1.0, 1.0, 1.0))
    v = np.concatenate([v, [[0.0, 0.0, 0.0]]])
    f = np.concatenate([f, [[0, 1, 1], [0, 8, 8], [0, 1, 0]]])
    assert mesh_health(v, f).degenerate_faces == 3


def test_bad_indices_are_an_input_error() -> None:
    v, f = box_mesh((1.0, 1.0, 1.0))
    with pytest.raises(InputError, match="out of range"):
        mesh_health(v, f + 1)
    with pytest.raises(InputError, match="integer"):
        mesh_health(v, f.astype(float))


def _edge_touching_boxes() -> tuple[np.ndarray, np.ndarray]:
    """Two unit boxes touching along one edge (shared vertices): 1 edge used by four faces."""
    v, f = box_mesh((1.0, 1.0, 1.0))
    v = v - v.min(axis=0)
    other = v + np.array([1.0, 1.0, 0.0])
    verts = np.concatenate([v, other])
    faces = np.concatenate([f, f + len(v)])
    # merge the duplicated vertices of the shared edge, as an STL reader does
    _, index, inverse = np.unique(np.round(verts, 9), axis=0, return_index=True, return_inverse=True)
    return verts[index], inverse.reshape(-1)[faces]


def test_closed_with_nonmanifold_edge_is_closed_not_watertight() -> None:
    v, f = _edge_touching_boxes()
    got = mesh_health(v, f)
    assert got.nonmanifold_edges == 1 and got.open_edges == 0 and got.inconsistent_edges == 0
    assert not got.watertight
    assert got.closed


@pytest.mark.parametrize("name", ["open", "flipped_face", "nonmanifold"])
def test_open_or_flipped_is_not_closed(name) -> None:
    v, f, _, _ = _meshes()[name]
    assert not mesh_health(v, f).closed

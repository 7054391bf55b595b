"""Export a part's triangle mesh as compact binary glTF (GLB) for 3D previews."""

from __future__ import annotations

import numpy as np

from geometry.part import Part


def glb_bytes(vertices_mm: np.ndarray, faces: np.ndarray) -> bytes:
    """A GLB document of one mesh.

    vertices_mm : (n, 3) float [mm]; faces : (m, 3) int, indices into ``vertices_mm``.
    glTF's unit is the metre; the preview keeps millimetres (the viewer scales), as
    the node carries no transform.
    """
    import trimesh

    v = np.ascontiguousarray(vertices_mm, dtype=np.float64)
    f = np.ascontiguousarray(faces, dtype=np.int64)
    if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3:
        raise ValueError(f"vertices (n, 3) and faces (m, 3) expected, got {v.shape} and {f.shape}")
    mesh = trimesh.Trimesh(vertices=v.astype(np.float32), faces=f, process=False)
    data = mesh.export(file_type="glb")
    if not isinstance(data, bytes):  # trimesh's export returns bytes for binary formats
        raise TypeError(f"trimesh exported GLB as {type(data).__name__}, not bytes")
    return data


def part_glb(part: Part) -> bytes:
    """The GLB of a loaded part's mesh (millimetres)."""
    return glb_bytes(part.vertices_mm, part.faces)

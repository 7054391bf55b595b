"""Closed shells of a mesh and which of them are inner voids (closed cavities).

A shell is a connected component of the faces (faces sharing a vertex are connected, as
``mesh_health`` counts bodies). Shell ``i`` lies inside shell ``j`` when its box is within
``j``'s box and a few of its vertices have a generalised winding number of magnitude above
one half with respect to ``j``'s triangles (van Oosterom & Strackee's solid angle of each
triangle, summed over ``4 pi``: 1 inside a closed shell, 0 outside, whichever way it is
wound). A shell inside an odd number of others is a void: material surrounds it. Two
disjoint or touching bodies are inside none, and a body in a void (depth 2) is a body again.

The winding number needs no ray and so no luck with edges and vertices; the box test keeps
the work to the pairs that can nest (none on a mesh of one shell, which the caller skips).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from geometry.kernels._config import jit, jit_parallel, serial_for_small
from geometry.kernels._validate import as_faces, as_points
from geometry.kernels.union_find import find, link

#: a point is inside a closed shell when the magnitude of its winding number passes this (1 inside, 0 outside)
INSIDE_WINDING = 0.5
#: vertices of a shell tested against a shell that may hold it (all must be inside)
SAMPLES_PER_SHELL = 3


@dataclass(frozen=True)
class Shells:
    """The closed shells of a mesh and its inner voids."""

    #: connected components of the faces
    count: int
    #: shells inside an odd number of others: closed inner cavities
    voids: int
    #: volume the voids enclose [mm3] (each void's own, unsigned)
    void_volume_mm3: float
    #: per shell (count,): how many other shells hold it
    depth: np.ndarray
    #: per shell (count,): signed volume [mm3] (negative: wound inward)
    signed_volume_mm3: np.ndarray
    #: per shell (count, 6): box [min xyz, max xyz] [mm]
    box_mm: np.ndarray

    @property
    def void_shells(self) -> tuple[int, ...]:
        """Indices of the void shells (odd depth)."""
        return tuple(int(i) for i in np.flatnonzero(self.depth % 2 == 1))

    @property
    def solid_volume_mm3(self) -> float:
        """The material's volume [mm3]: the bodies' (even depth) less the voids' (odd depth), however each is wound."""
        sign = np.where(self.depth % 2 == 0, 1.0, -1.0)
        return float(np.sum(sign * np.abs(self.signed_volume_mm3)))

    @property
    def void_centre_mm(self) -> tuple[float, float, float] | None:
        """The centre of the largest void's box [mm] (where to point at it), or None without voids."""
        voids = self.void_shells
        if not voids:
            return None
        largest = max(voids, key=lambda i: abs(float(self.signed_volume_mm3[i])))
        x, y, z = (0.5 * (self.box_mm[largest, :3] + self.box_mm[largest, 3:])).tolist()
        return float(x), float(y), float(z)


@serial_for_small("faces")
def mesh_shells(vertices: np.ndarray, faces: np.ndarray) -> Shells:
    """The shells of a closed mesh and which are inner voids.

    vertices : (n, 3) float64 [mm], merged; faces : (m, 3) int64 indices into vertices.
    Meant for closed meshes (``MeshHealth.watertight`` or ``closed``): on an open one the
    winding numbers, and so the voids, mean little.
    """
    v = as_points(vertices)
    f = as_faces(faces, v.shape[0])
    labels, count = _labels_kernel(f, v.shape[0])
    centre = 0.5 * (v.min(axis=0) + v.max(axis=0))
    volume, box, samples = _shell_stats_kernel(v, f, labels, count, centre, SAMPLES_PER_SHELL)
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(count + 1)).astype(np.int64)
    depth = _depth_kernel(v, f, order, starts, box, samples, INSIDE_WINDING)
    odd = depth % 2 == 1
    return Shells(
        count=int(count),
        voids=int(np.count_nonzero(odd)),
        void_volume_mm3=float(np.abs(volume[odd]).sum()),
        depth=depth,
        signed_volume_mm3=volume,
        box_mm=box,
    )



@jit
def _labels_kernel(faces: np.ndarray, nv: int) -> tuple[np.ndarray, int]:
    """(m,) int64 shell label of each face, numbered 0.. in order of first face; and the shell count."""
    parent = np.arange(nv)
    m = faces.shape[0]
    for i in range(m):
        a = find(parent, faces[i, 0])
        for k in range(1, 3):
            a = link(parent, a, find(parent, faces[i, k]))
    label_of_root = np.full(nv, -1, dtype=np.int64)
    labels = np.empty(m, dtype=np.int64)
    count = 0
    for i in range(m):
        r = find(parent, faces[i, 0])
        if label_of_root[r] < 0:
            label_of_root[r] = count
            count += 1
        labels[i] = label_of_root[r]
    return labels, count


@jit
def _shell_stats_kernel(vertices: np.ndarray, faces: np.ndarray, labels: np.ndarray, count: int,
                        centre: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per shell: signed volume [mm3] (about ``centre``, for precision), box (count, 6) [min xyz, max xyz] [mm],
    and (count, n_samples) vertex indices spread over its faces (first face, then evenly)."""
    volume = np.zeros(count)
    box = np.empty((count, 6))
    box[:, :3] = np.inf
    box[:, 3:] = -np.inf
    faces_of = np.zeros(count, dtype=np.int64)
    for i in range(faces.shape[0]):
        s = labels[i]
        faces_of[s] += 1
        a = faces[i, 0]
        b = faces[i, 1]
        d = faces[i, 2]
        for c in range(3):
            for x in (vertices[a, c], vertices[b, c], vertices[d, c]):
                box[s, c] = min(box[s, c], x)
                box[s, 3 + c] = max(box[s, 3 + c], x)
        ax, ay, az = vertices[a, 0] - centre[0], vertices[a, 1] - centre[1], vertices[a, 2] - centre[2]
        bx, by, bz = vertices[b, 0] - centre[0], vertices[b, 1] - centre[1], vertices[b, 2] - centre[2]
        cx, cy, cz = vertices[d, 0] - centre[0], vertices[d, 1] - centre[1], vertices[d, 2] - centre[2]
        volume[s] += (ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)) / 6.0
    samples = np.empty((count, n_samples), dtype=np.int64)
    seen = np.zeros(count, dtype=np.int64)
    for i in range(faces.shape[0]):
        s = labels[i]
        n = seen[s]
        seen[s] += 1
        for j in range(n_samples):
            # the j-th sample is the face at j/n_samples of the shell's faces, its j-th corner
            if n == (j * faces_of[s]) // n_samples:
                samples[s, j] = faces[i, j % 3]
    return volume, box, samples


@jit
def _winding(vertices: np.ndarray, faces: np.ndarray, order: np.ndarray, lo: int, hi: int,
             px: float, py: float, pz: float) -> float:
    """Generalised winding number of point p for the faces ``order[lo:hi]`` (solid angles / 4 pi)."""
    total = 0.0
    for t in range(lo, hi):
        f = order[t]
        ax = vertices[faces[f, 0], 0] - px
        ay = vertices[faces[f, 0], 1] - py
        az = vertices[faces[f, 0], 2] - pz
        bx = vertices[faces[f, 1], 0] - px
        by = vertices[faces[f, 1], 1] - py
        bz = vertices[faces[f, 1], 2] - pz
        cx = vertices[faces[f, 2], 0] - px
        cy = vertices[faces[f, 2], 1] - py
        cz = vertices[faces[f, 2], 2] - pz
        la = math.sqrt(ax * ax + ay * ay + az * az)
        lb = math.sqrt(bx * bx + by * by + bz * bz)
        lc = math.sqrt(cx * cx + cy * cy + cz * cz)
        det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)
        den = (la * lb * lc + (ax * bx + ay * by + az * bz) * lc + (ax * cx + ay * cy + az * cz) * lb
               + (bx * cx + by * cy + bz * cz) * la)
        total += 2.0 * math.atan2(det, den)
    return total / (4.0 * math.pi)


@jit_parallel
def _depth_kernel(vertices: np.ndarray, faces: np.ndarray, order: np.ndarray, starts: np.ndarray,
                  box: np.ndarray, samples: np.ndarray, inside: float) -> np.ndarray:
    """(count,) int64: for each shell, how many other shells hold it (box within, every sample inside)."""
    count = box.shape[0]
    depth = np.zeros(count, dtype=np.int64)
    for i in numba.prange(count):
        d = 0
        for j in range(count):
            if j == i:
                continue
            within = True
            for c in range(3):
                if box[i, c] < box[j, c] or box[i, 3 + c] > box[j, 3 + c]:
                    within = False
            if not within:
                continue
            held = True
            for s in range(samples.shape[1]):
                q = samples[i, s]
                w = _winding(vertices, faces, order, starts[j], starts[j + 1],
                             vertices[q, 0], vertices[q, 1], vertices[q, 2])
                if abs(w) <= inside:
                    held = False
                    break
            if held:
                d += 1
        depth[i] = d
    return depth


__all__ = ["INSIDE_WINDING", "SAMPLES_PER_SHELL", "Shells", "mesh_shells"]

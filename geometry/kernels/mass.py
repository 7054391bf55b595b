"""Mass properties of a closed triangle mesh: volume, area, centroid, inertia.

Integrals over the solid by the divergence theorem (Eberly, "Polyhedral Mass
Properties"), taken about a reference point near the part so that a part far
from the origin loses no precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geometry.kernels._config import jit, jit_inline
from geometry.kernels._validate import as_triangles, check_finite

#: triangles per block copied into coordinate rows (9 rows x 256 x 8 B = 18 kB: stays in L1)
_BLOCK = 256

#: scale of the 10 raw integrals: 1, x, y, z, x2, y2, z2, xy, yz, zx
_SCALE = np.array([1 / 6, 1 / 24, 1 / 24, 1 / 24, 1 / 60, 1 / 60, 1 / 60, 1 / 120, 1 / 120, 1 / 120])


@dataclass(frozen=True)
class MassProperties:
    """Mass properties at unit density.

    ``volume_mm3`` is signed: negative when every triangle is wound inside-out
    (the other values are then those of the solid with the winding fixed).
    Meaningful only for a closed, consistently wound mesh (see ``mesh_health``).
    """

    volume_mm3: float
    area_mm2: float
    centroid_mm: tuple[float, float, float]
    #: inertia tensor about the centroid at unit density [mm5], row-major 3x3
    inertia_mm5: tuple[tuple[float, float, float], ...]


def mass_properties(triangles: np.ndarray) -> MassProperties:
    """Volume, area, centroid and inertia of a closed mesh.

    triangles : (n, 3, 3) float64 or float32 [mm], counter-clockwise seen from outside.
    """
    tri = as_triangles(triangles, allow_float32=True, finite=False)
    origin = tri[0, 0].astype(np.float64)
    raw = _mass_kernel(tri, origin)
    if not np.isfinite(raw[11]):
        # the kernel's sum of every coordinate is not finite: a nan/inf input (raises) or an overflow
        check_finite(tri, "triangle coordinates")
    area = float(raw[10])
    intg = raw[:10] * _SCALE
    volume = float(intg[0])
    sign = -1.0 if volume < 0 else 1.0
    intg = intg * sign
    vol = abs(volume)
    if vol == 0.0:
        nan = float("nan")
        return MassProperties(volume, area, (nan, nan, nan), ((nan,) * 3,) * 3)
    c = intg[1:4] / vol
    ixx = intg[5] + intg[6] - vol * (c[1] ** 2 + c[2] ** 2)
    iyy = intg[4] + intg[6] - vol * (c[2] ** 2 + c[0] ** 2)
    izz = intg[4] + intg[5] - vol * (c[0] ** 2 + c[1] ** 2)
    ixy = -(intg[7] - vol * c[0] * c[1])
    iyz = -(intg[8] - vol * c[1] * c[2])
    ixz = -(intg[9] - vol * c[2] * c[0])
    centroid = c + origin
    inertia = ((ixx, ixy, ixz), (ixy, iyy, iyz), (ixz, iyz, izz))
    return MassProperties(
        volume_mm3=volume,
        area_mm2=area,
        centroid_mm=(float(centroid[0]), float(centroid[1]), float(centroid[2])),
        inertia_mm5=tuple((float(row[0]), float(row[1]), float(row[2])) for row in inertia),
    )


@jit_inline
def _sub(w0: float, w1: float, w2: float) -> tuple[float, float, float, float, float, float]:  # pragma: no cover - inlined into the kernel
    temp0 = w0 + w1
    f1 = temp0 + w2
    temp1 = w0 * w0
    temp2 = temp1 + w1 * temp0
    f2 = temp2 + w2 * f1
    f3 = w0 * temp1 + w1 * temp2 + w2 * f2
    g0 = f2 + w0 * (f1 + w0)
    g1 = f2 + w1 * (f1 + w1)
    g2 = f2 + w2 * (f1 + w2)
    return f1, f2, f3, g0, g1, g2


@jit
def _mass_kernel(tri: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Raw integrals (10, unscaled) about ``origin``, the area and the sum of every coordinate: (12,) float64.

    tri : (n, 3, 3) float64 or float32 [mm]; origin : (3,) float64 [mm]. Accumulates in float64,
    per block and then across blocks. The last value is not finite when an input coordinate is not.
    """
    n = tri.shape[0]
    out = np.zeros(12)
    rows = np.empty((9, _BLOCK))
    ox, oy, oz = origin[0], origin[1], origin[2]
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        chk = 0.0
        for j in range(m):
            i = start + j
            p0 = float(tri[i, 0, 0])
            p1 = float(tri[i, 0, 1])
            p2 = float(tri[i, 0, 2])
            p3 = float(tri[i, 1, 0])
            p4 = float(tri[i, 1, 1])
            p5 = float(tri[i, 1, 2])
            p6 = float(tri[i, 2, 0])
            p7 = float(tri[i, 2, 1])
            p8 = float(tri[i, 2, 2])
            chk += p0 + p1 + p2 + p3 + p4 + p5 + p6 + p7 + p8
            rows[0, j] = p0 - ox
            rows[1, j] = p1 - oy
            rows[2, j] = p2 - oz
            rows[3, j] = p3 - ox
            rows[4, j] = p4 - oy
            rows[5, j] = p5 - oz
            rows[6, j] = p6 - ox
            rows[7, j] = p7 - oy
            rows[8, j] = p8 - oz
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = s8 = s9 = area = 0.0
        for j in range(m):
            x0 = rows[0, j]
            y0 = rows[1, j]
            z0 = rows[2, j]
            x1 = rows[3, j]
            y1 = rows[4, j]
            z1 = rows[5, j]
            x2 = rows[6, j]
            y2 = rows[7, j]
            z2 = rows[8, j]
            a1 = x1 - x0
            b1 = y1 - y0
            c1 = z1 - z0
            a2 = x2 - x0
            b2 = y2 - y0
            c2 = z2 - z0
            d0 = b1 * c2 - b2 * c1
            d1 = a2 * c1 - a1 * c2
            d2 = a1 * b2 - a2 * b1
            area += np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            f1x, f2x, f3x, g0x, g1x, g2x = _sub(x0, x1, x2)
            f1y, f2y, f3y, g0y, g1y, g2y = _sub(y0, y1, y2)
            f1z, f2z, f3z, g0z, g1z, g2z = _sub(z0, z1, z2)
            s0 += d0 * f1x
            s1 += d0 * f2x
            s2 += d1 * f2y
            s3 += d2 * f2z
            s4 += d0 * f3x
            s5 += d1 * f3y
            s6 += d2 * f3z
            s7 += d0 * (y0 * g0x + y1 * g1x + y2 * g2x)
            s8 += d1 * (z0 * g0y + z1 * g1y + z2 * g2y)
            s9 += d2 * (x0 * g0z + x1 * g1z + x2 * g2z)
        out[0] += s0
        out[1] += s1
        out[2] += s2
        out[3] += s3
        out[4] += s4
        out[5] += s5
        out[6] += s6
        out[7] += s7
        out[8] += s8
        out[9] += s9
        out[10] += 0.5 * area
        out[11] += chk
    return out

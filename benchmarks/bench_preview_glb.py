"""Size and time of the preview GLB with face ids (prints figures; not a test).

Three parts: the 102-face STEP of the first-offer benchmark (a plate with 32 counterbored
holes), the same plate exported as a fine STL of about 300 k triangles, and an icosphere of
327,680 triangles. For each: triangles, vertices, faces (B-rep faces or mesh regions), the GLB
of the mesh alone as trimesh writes it (what the preview was before face ids) and the GLB with
face ids (``geometry.export.part_glb``), and the least CPU time of ``--repeat`` runs of each.

    .venv/bin/python benchmarks/bench_preview_glb.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best_of  # noqa: E402  (this folder is on a script's path)

from geometry.export import part_face_ids, part_glb  # noqa: E402
from geometry.loaders.load import load_bytes  # noqa: E402
from geometry.part import Part  # noqa: E402


def _parts() -> list[tuple[str, Part]]:
    import cadquery as cq
    import trimesh

    from tests import parts as cadparts

    plate = cq.Workplane("XY").box(300, 120, 15).faces(">Z").workplane().rarray(18, 18, 8, 4).cboreHole(6, 10, 4)
    ico = trimesh.creation.icosphere(subdivisions=7, radius=50)
    return [("plate, STEP (102 faces)", load_bytes(cadparts.step_bytes(plate), "plate.step")),
            ("plate, fine STL", load_bytes(_fine_stl(plate), "plate.stl")),
            ("icosphere, STL", load_bytes(ico.export(file_type="stl"), "ico.stl"))]


def _fine_stl(shape: object) -> bytes:
    """The plate as an STL of about 300 k triangles (a fine angular tolerance on its 64 cylinders)."""
    import tempfile

    import cadquery as cq

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plate.stl"
        cq.exporters.export(shape, str(path), cq.exporters.ExportTypes.STL, tolerance=0.001,
                            angularTolerance=0.012)
        return path.read_bytes()


def _trimesh_glb(part: Part) -> bytes:
    import numpy as np
    import trimesh

    data = trimesh.Trimesh(part.vertices_mm.astype(np.float32), part.faces, process=False).export(file_type="glb")
    assert isinstance(data, bytes)
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print("| part | triangles | vertices | faces | mesh-only GLB (trimesh) | GLB with face ids | face ids + GLB CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, part in _parts():
        ids, kind = part_face_ids(part)
        faces = 0 if ids is None else int(ids.max()) + 1
        before = len(_trimesh_glb(part))
        after = len(part_glb(part))
        # a copy of the part each time: part_face_ids remembers a part's ids, and the face ids are timed here
        cpu = best_of(lambda p=part: part_glb(replace(p)), args.repeat, time.process_time)
        print(f"| {name} | {len(part.faces):,} | {len(part.vertices_mm):,} | {faces:,} {kind.value} | "
              f"{before / 1e3:,.0f} KB | {after / 1e3:,.0f} KB | {cpu * 1e3:.0f} ms |")


if __name__ == "__main__":
    main()

"""``load``: bytes or a path in, a ``Part`` in millimetres out."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

from geometry.errors import CorruptFileError, FileTooLargeError
from geometry.features import FileFormat, SourceInfo
from geometry.part import Part
from geometry.units import LengthUnit, UnitsSource

#: default upload limit [bytes]; callers may pass their own
MAX_FILE_BYTES = 100 * 1024 * 1024


def load(
    path: str | os.PathLike[str],
    units: str | LengthUnit | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    thickness_mm: float | None = None,
) -> Part:
    """Load a CAD file from disk. See ``load_bytes``."""
    p = Path(path)
    data = read_file(p, max_bytes)
    return load_bytes(data, p.name, units=units, max_bytes=max_bytes, thickness_mm=thickness_mm)


def read_file(p: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A CAD file's bytes, with a clear error for a missing, unreadable or too large file."""
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise FileTooLargeError(
                f"{p.name} is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit", file=p.name, size_bytes=size
            )
        return p.read_bytes()
    except IsADirectoryError as err:
        raise CorruptFileError(f"{p} is a folder, not a CAD file", file=str(p)) from err
    except FileNotFoundError as err:
        raise CorruptFileError(f"{p}: no such file", file=str(p)) from err
    except PermissionError as err:
        raise CorruptFileError(f"{p}: permission denied", file=str(p)) from err


def load_bytes(
    data: bytes,
    filename: str = "part",
    units: str | LengthUnit | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    thickness_mm: float | None = None,
) -> Part:
    """Parse ``data`` into a ``Part`` in millimetres.

    ``units`` is the caller's unit for files that carry none (STL, OBJ, PLY);
    without it they are taken as millimetres and the part records that the
    unit is a default. STEP and 3MF files carry their unit, which wins.
    ``thickness_mm`` is the sheet thickness of a 2D DXF drawing (required for DXF, which is
    read as a flat laser-cut part, a ``geometry.loaders.dxf.FlatPart``); other formats ignore it.
    """
    from geometry.loaders.sniff import sniff_format

    if len(data) > max_bytes:
        raise FileTooLargeError(
            f"{filename} is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
            file=filename,
            size_bytes=len(data),
        )
    request_unit = LengthUnit.parse(units) if units is not None else None
    fmt = sniff_format(data, filename)
    source = partial(SourceInfo, filename=filename, format=fmt, sha256=hashlib.sha256(data).hexdigest(),
                     size_bytes=len(data))
    if fmt is FileFormat.STEP:
        return _load_step(data, filename, source)
    if fmt is FileFormat.DXF:
        return _load_dxf(data, filename, source, request_unit, thickness_mm)
    return _load_mesh(data, fmt, filename, source, request_unit)


def _load_step(data: bytes, filename: str, source: Callable[..., SourceInfo]) -> Part:
    from geometry.loaders.step import read_step, tessellate

    shape, unit, nsolids = read_step(data, filename)
    vertices, faces = tessellate(shape)
    return Part(source(units=unit, units_source=UnitsSource.FILE.value), vertices, faces, brep=shape,
                solids=nsolids)


def _load_dxf(data: bytes, filename: str, source: Callable[..., SourceInfo], request_unit: LengthUnit | None,
              thickness_mm: float | None) -> Part:
    """A flat laser-cut part: the sheet thickness comes from the caller."""
    from geometry.loaders.dxf import check_thickness, flat_part, read_flat_pattern

    thickness = check_thickness(thickness_mm, filename)
    pattern, file_unit_name = read_flat_pattern(data, filename, request_unit.to_mm if request_unit else None)
    if file_unit_name is not None:
        src = source(units=file_unit_name, units_source=UnitsSource.FILE.value)
    elif request_unit is not None:
        src = source(units=request_unit.value, units_source=UnitsSource.REQUEST.value)
    else:
        src = source(units=LengthUnit.MM.value, units_source=UnitsSource.DEFAULT.value)
    return flat_part(src, pattern, thickness)


def _load_mesh(data: bytes, fmt: FileFormat, filename: str, source: Callable[..., SourceInfo],
               request_unit: LengthUnit | None) -> Part:
    from geometry.loaders.mesh import read_mesh

    vertices, faces, file_unit = read_mesh(data, fmt, filename)
    unit, units_source = (
        (file_unit, UnitsSource.FILE) if file_unit is not None
        else (request_unit, UnitsSource.REQUEST) if request_unit is not None
        else (LengthUnit.MM, UnitsSource.DEFAULT)
    )
    return Part(source(units=unit.value, units_source=units_source.value), vertices * unit.to_mm, faces)

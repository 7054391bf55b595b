"""Detect a CAD file's format from its content, never from its name alone."""

from __future__ import annotations

import io
import struct
import zipfile

from geometry.errors import EmptyFileError, UnsupportedFormatError
from geometry.features import FileFormat


def sniff_format(data: bytes, filename: str = "") -> FileFormat:
    """The format of ``data``; the file name only breaks ties between text formats."""
    if not data or not data.strip():
        raise EmptyFileError(f"{filename or 'the file'} is empty: upload the exported CAD file", file=filename)
    head = data[:4096]
    stripped = head.lstrip()
    if _skip_c_comments(stripped).startswith(b"ISO-10303-21"):
        return FileFormat.STEP
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        if any(n.lower().endswith(".model") for n in names):
            return FileFormat.THREE_MF
        raise UnsupportedFormatError(
            f"{filename or 'the file'} is a zip archive but not a 3MF file: upload STEP, STL, 3MF, OBJ, PLY or DXF",
            file=filename,
        )
    if stripped[:3].lower() == b"ply":
        return FileFormat.PLY
    if len(data) >= 84:
        (count,) = struct.unpack("<I", data[80:84])
        if 84 + 50 * count == len(data):
            return FileFormat.STL
    lower = stripped.lower()
    if lower.startswith(b"solid") and (b"facet" in data[:65536].lower() or b"endsolid" in lower):
        return FileFormat.STL
    if _looks_like_dxf(stripped):
        return FileFormat.DXF
    if _looks_like_obj(head):
        return FileFormat.OBJ
    name = filename.lower()
    if name.endswith(".stl") and lower.startswith(b"solid"):
        return FileFormat.STL
    raise UnsupportedFormatError(
        f"cannot recognise the format of {filename or 'the file'}: upload STEP, STL, 3MF, OBJ, PLY or DXF",
        file=filename,
    )


def _looks_like_dxf(head: bytes) -> bool:
    lines = [line.strip() for line in head.splitlines()[:8]]
    while len(lines) >= 2 and lines[0] == b"999":  # DXF comment groups (e.g. "999 / dxfrw 0.6.3")
        lines = lines[2:]
    return len(lines) >= 2 and lines[0] == b"0" and lines[1] in (b"SECTION", b"section")


def _looks_like_obj(head: bytes) -> bool:
    for line in head.splitlines()[:200]:
        token = line.strip().split(b" ", 1)[0]
        if token in (b"v", b"f", b"vn", b"vt", b"o", b"g", b"mtllib", b"usemtl"):
            return True
    return False


def _skip_c_comments(text: bytes) -> bytes:
    """``text`` without leading ``/* ... */`` comments (STEP files may open with one)."""
    while text.startswith(b"/*"):
        end = text.find(b"*/")
        if end < 0:
            return text
        text = text[end + 2 :].lstrip()
    return text

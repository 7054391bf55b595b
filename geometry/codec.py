"""Plain-data codec for the frozen records: dataclasses <-> JSON-ready dicts.

``to_jsonable`` turns dataclasses, enums, tuples and numpy scalars into plain
JSON types; ``from_jsonable`` rebuilds a record from such a dict using the
record's type hints (dataclasses, ``list[X]``, ``tuple[X, ...]``,
``dict[str, X]``, ``X | None``, enums and plain types).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import types
import typing
from functools import cache
from typing import Any

import numpy as np

_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAVES = (str, int, bool, type(None))


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types for ``obj`` (hot path of every quote answer: leaves first, field names cached)."""
    tp = type(obj)
    if tp in _LEAVES:
        return obj
    if tp is float:
        return obj if math.isfinite(obj) else None
    names = _FIELDS.get(tp)
    if names is None and dataclasses.is_dataclass(tp):
        names = _FIELDS[tp] = tuple(f.name for f in dataclasses.fields(tp))
    if names is not None:
        return {n: to_jsonable(getattr(obj, n)) for n in names}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k.value if isinstance(k, enum.Enum) else k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return obj


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if data is None:
        return None
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        for candidate in non_none:
            try:
                return from_jsonable(candidate, data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"cannot decode {data!r} as {tp}")
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {
            f.name: from_jsonable(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name in data
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if origin is list:
        return [from_jsonable(args[0], v) for v in data]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], v) for v in data)
        return tuple(from_jsonable(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        return {from_jsonable(args[0], k): from_jsonable(args[1], v) for k, v in data.items()}
    if tp is float:
        return float(data)
    if tp is int:
        return int(data)
    if tp is dt.date:
        return dt.date.fromisoformat(data)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(data)
    return data

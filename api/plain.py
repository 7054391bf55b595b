"""A faster twin of ``geometry.codec.to_jsonable`` for the records the API returns on every quote.

Same output (tests compare the two on real quotes); field names are looked up once per
class and the common leaves (str, int, float, bool, None) are returned first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from typing import Any

import numpy as np

_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAVES = (str, int, bool, type(None))


def to_plain(obj: Any) -> Any:
    tp = type(obj)
    if tp in _LEAVES:
        return obj
    if tp is float:
        return obj if math.isfinite(obj) else None
    names = _FIELDS.get(tp)
    if names is None and dataclasses.is_dataclass(tp):
        names = _FIELDS[tp] = tuple(f.name for f in dataclasses.fields(tp))
    if names is not None:
        return {n: to_plain(getattr(obj, n)) for n in names}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k.value if isinstance(k, enum.Enum) else k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return to_plain(obj.item())
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    if isinstance(obj, str | int):
        return obj
    return obj

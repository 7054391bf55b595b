"""Plain-data codec for the frozen records: dataclasses <-> JSON-ready dicts, by pydantic.

``to_jsonable`` writes a record as plain JSON types and ``from_jsonable``
rebuilds it, both from the core schema pydantic's ``TypeAdapter`` builds from
the record's type hints (dataclasses, ``list[X]``, ``tuple[X, ...]``,
``dict[str, X]``, ``X | None``, enums, dates), compiled once per type.

The conventions of the JSON documents (``microfab.features/1``,
``microfab.quote/1``), which pydantic's defaults do not all follow, are set in
that schema:

- a non-finite float is written as null, and null read back into a float field
  gives None (pydantic writes inf/nan as floats in python mode and refuses null
  for a float);
- a datetime is written by ``datetime.isoformat`` (``+00:00``; pydantic writes ``Z``);
- a number in a float field is written as it is (a table's ``30000`` stays an
  int; pydantic writes ``30000.0``);
- enums as their values, tuples as lists, dates as ISO strings, numpy scalars
  and arrays (in ``Any`` fields) as Python numbers and lists.

The dict is made by serialising to JSON bytes and parsing them back, both in
pydantic-core: on a 55 KB quote that is about twice as fast as the former
hand-written recursion, and pydantic's python-mode dump cannot write inf/nan
as null without a Python call per float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

import numpy as np
from pydantic import PydanticSchemaGenerationError, TypeAdapter
from pydantic_core import SchemaSerializer, SchemaValidator, core_schema, from_json

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = ["from_jsonable", "to_json", "to_jsonable"]

T = TypeVar("T")


def _isoformat(value: dt.datetime) -> str:
    return value.isoformat()


def _datetime_as_isoformat(schema: dict[str, Any]) -> dict[str, Any]:
    return schema | {"serialization": core_schema.plain_serializer_function_ser_schema(_isoformat)}


def _float_as_given(schema: dict[str, Any]) -> dict[str, Any]:
    return schema | {"serialization": core_schema.simple_ser_schema("any")}


def _float_or_null(schema: dict[str, Any]) -> dict[str, Any]:
    return dict(core_schema.nullable_schema(cast(core_schema.CoreSchema, schema)))


def _rewrite(node: Any, rules: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> Any:
    """A copy of a core schema with each schema whose ``type`` has a rule replaced by the rule's result."""
    if isinstance(node, list):
        return [_rewrite(item, rules) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite(value, rules) for key, value in node.items()}
    kind = node.get("type")
    rule = rules.get(kind) if isinstance(kind, str) else None
    return rule(out) if rule is not None else out


@dataclass(frozen=True)
class _Codec:
    serializer: SchemaSerializer
    validator: SchemaValidator


#: compiled codecs by type, built on the first record of each type
_CODECS: dict[type[Any], _Codec] = {}


def _codec(tp: type[Any]) -> _Codec:
    codec = _CODECS.get(tp)
    if codec is None:
        codec = _CODECS[tp] = _build(tp)
    return codec


def _build(tp: type[Any]) -> _Codec:
    """The serializer and validator of one type, from the core schema of its ``TypeAdapter``."""
    try:
        schema: Any = TypeAdapter(tp).core_schema
    except PydanticSchemaGenerationError:  # a type pydantic has no schema for (a numpy scalar): by its value
        schema = core_schema.any_schema()
    write = _rewrite(schema, {"datetime": _datetime_as_isoformat, "float": _float_as_given})
    read = _rewrite(schema, {"float": _float_or_null})
    return _Codec(SchemaSerializer(write), SchemaValidator(read))


def _numpy_value(value: Any) -> Any:
    """What pydantic cannot write itself: numpy scalars and arrays, as Python numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value  # pydantic then says it cannot serialize the type


def to_json(obj: object) -> bytes:
    """The JSON document of ``obj`` (what ``to_jsonable`` gives, already encoded)."""
    # warnings off: a value that does not match its declared type is written by its runtime type, as before
    return _codec(type(obj)).serializer.to_json(obj, warnings=False, fallback=_numpy_value)


@overload
def to_jsonable(obj: DataclassInstance) -> dict[str, Any]: ...


@overload
def to_jsonable(obj: object) -> Any: ...


def to_jsonable(obj: object) -> Any:
    """Plain JSON types for ``obj`` (dicts, lists, str, int, float, bool, None): hot path of every quote answer."""
    return from_json(to_json(obj))


def from_jsonable(tp: type[T], data: Any) -> T:
    """Rebuild a ``tp`` from what ``to_jsonable`` made of one (a dict, for a record)."""
    return cast(T, _codec(tp).validator.validate_python(data))

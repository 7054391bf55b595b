"""The record codec (geometry.codec): the JSON conventions of the documents, kept through pydantic."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geometry.codec import from_jsonable, to_json, to_jsonable


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Inner:
    value_mm: float
    colour: Colour


@dataclass(frozen=True)
class Record:
    name: str
    size_mm: float
    point_mm: tuple[float, float, float]
    face_ids: tuple[int, ...]
    inner: list[Inner]
    by_colour: dict[str, float]
    created_at: dt.datetime
    day: dt.date
    optional_mm: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _record(**changes: Any) -> Record:
    base: dict[str, Any] = dict(
        name="bracket",
        size_mm=12.5,
        point_mm=(1.0, 2.0, 3.0),
        face_ids=(4, 5),
        inner=[Inner(0.5, Colour.RED), Inner(1.5, Colour.BLUE)],
        by_colour={"red": 1.25},
        created_at=dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC),
        day=dt.date(2026, 3, 5),
    )
    return Record(**(base | changes))


def test_plain_json_types() -> None:
    doc = to_jsonable(_record())
    assert doc == {
        "name": "bracket",
        "size_mm": 12.5,
        "point_mm": [1.0, 2.0, 3.0],
        "face_ids": [4, 5],
        "inner": [{"value_mm": 0.5, "colour": "red"}, {"value_mm": 1.5, "colour": "blue"}],
        "by_colour": {"red": 1.25},
        "created_at": "2026-03-04T05:06:07.891011+00:00",
        "day": "2026-03-05",
        "optional_mm": None,
        "extra": {},
    }
    assert json.loads(to_json(_record())) == doc


def test_datetimes_are_written_by_isoformat() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    for when in (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=paris),
                 dt.datetime(2026, 1, 2, 3, 4, 5)):
        assert to_jsonable(_record(created_at=when))["created_at"] == when.isoformat()


def test_round_trip_gives_an_equal_record() -> None:
    r = _record()
    again = from_jsonable(Record, to_jsonable(r))
    assert again == r
    assert isinstance(again.point_mm, tuple) and isinstance(again.inner[0].colour, Colour)
    assert again.created_at.utcoffset() == dt.timedelta(0)
    assert to_jsonable(again) == to_jsonable(r)


def test_non_finite_floats_are_null_and_read_back_as_none() -> None:
    r = _record(size_mm=math.inf, point_mm=(math.nan, 1.0, -math.inf), by_colour={"red": math.nan},
                optional_mm=np.float64(math.inf))
    doc = to_jsonable(r)
    assert doc["size_mm"] is None and doc["optional_mm"] is None
    assert doc["point_mm"] == [None, 1.0, None]
    assert doc["by_colour"] == {"red": None}
    again = from_jsonable(Record, doc)
    assert again.size_mm is None and again.point_mm == (None, 1.0, None)
    assert to_jsonable(again) == doc


def test_numpy_values_become_python_numbers() -> None:
    r = _record(size_mm=np.float64(2.5), face_ids=(np.int64(7),),
                extra={"n": np.int64(3), "x": np.float32(0.5), "v": np.array([1.0, 2.0]), "t": (1, 2),
                       "c": Colour.BLUE})
    doc = to_jsonable(r)
    assert doc["size_mm"] == 2.5 and type(doc["size_mm"]) is float
    assert doc["face_ids"] == [7] and type(doc["face_ids"][0]) is int
    assert doc["extra"] == {"n": 3, "x": 0.5, "v": [1.0, 2.0], "t": [1, 2], "c": "blue"}
    assert type(doc["extra"]["n"]) is int
    assert to_jsonable(np.float64(1.5)) == 1.5


def test_missing_fields_take_their_defaults() -> None:
    doc = to_jsonable(_record())
    del doc["optional_mm"], doc["extra"]
    assert from_jsonable(Record, doc) == _record()


def test_numbers_are_written_as_given() -> None:
    doc = to_jsonable(_record(size_mm=30000, by_colour={"red": 2}))
    assert type(doc["size_mm"]) is int and type(doc["by_colour"]["red"]) is int
    assert json.dumps(doc["size_mm"]) == "30000"
    assert from_jsonable(Record, doc).size_mm == 30000.0

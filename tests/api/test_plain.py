"""api.plain.to_plain is geometry.codec.to_jsonable, faster: the same output on real records."""

from __future__ import annotations

import json

from api.plain import to_plain
from geometry import extract, load_bytes
from quoting.engine import quote
from quoting.quote import QuoteRequest


def test_to_plain_matches_the_codec(plate_step: bytes) -> None:
    features = extract(load_bytes(plate_step, "plate.step"))
    q = quote(features, QuoteRequest("al6061", (1, 10, 100), ship_to=(45.7, 4.8)))
    assert json.dumps(to_plain(q), sort_keys=True) == json.dumps(q.to_dict(), sort_keys=True)
    assert json.dumps(to_plain(features), sort_keys=True) == json.dumps(features.to_dict(), sort_keys=True)

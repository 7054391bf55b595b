"""A quote is encoded once (``Quote.to_json``) and answered as those bytes plus the API's members: byte for byte
what the former path gave (``to_dict``, then ``quote_view`` of the row, then orjson), on a fixed set of quotes."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from api.db import QuoteRow
from api.encoding import dumps, extend_object, stored
from api.quotes import QuoteAnswer, quote_view
from quoting.offers import EstimateMemo
from quoting.quote import Quote
from tests.quoting.quote_set import fixed_quotes

OPTIONS = orjson.OPT_NON_STR_KEYS


@pytest.fixture(scope="module")
def quotes() -> list[tuple[str, Quote]]:
    return list(fixed_quotes())


def test_the_set_takes_the_optional_paths(quotes: list[tuple[str, Quote]]) -> None:
    assert len(quotes) == 25
    docs = [q.to_dict() for _, q in quotes]
    assert any(d["cost_drivers"] for d in docs) and any(d["components"] for d in docs)
    lines = [line for d in docs for o in d["offers"] for line in o["lines"]]
    assert {b["item"] for line in lines for b in line["breakdown"]} >= {"finishing", "options", "tier", "shipping"}


def test_to_json_is_the_encoded_dict(quotes: list[tuple[str, Quote]]) -> None:
    for name, q in quotes:
        assert q.to_json() == orjson.dumps(q.to_dict(), option=OPTIONS), name


@pytest.mark.parametrize("expired", [False, True])
def test_the_answer_is_the_former_answer(quotes: list[tuple[str, Quote]], expired: bool) -> None:
    for name, q in quotes:
        valid_until = dt.datetime(2000, 1, 1, tzinfo=dt.UTC) if expired else q.valid_until + dt.timedelta(days=3650)
        versions = {o.workshop_id: 3 for o in q.offers}
        row = QuoteRow(id=q.id, part_sha256="a" * 64, part_id="b" * 64, quote=q.to_dict(), offers=len(q.offers),
                       ratecard_versions=versions, valid_until=valid_until, key_id=None)
        former = orjson.dumps(quote_view(row), option=OPTIONS)
        answer = QuoteAnswer.of_new(q.id, q.to_json(), valid_until, versions, "b" * 64)
        assert answer.body == former, name
        assert answer.id == q.id
        assert QuoteAnswer.of_view(quote_view(row)).body == former


def test_the_stored_document_is_the_former_one(quotes: list[tuple[str, Quote]]) -> None:
    _, q = quotes[0]
    assert dumps(stored(q.to_json())) == dumps(q.to_dict())


@pytest.mark.parametrize(("doc", "extra", "expected"), [
    (b"{}", {}, b"{}"),
    (b"{}", {"a": 1}, b'{"a":1}'),
    (b'{"x":[1]}', {}, b'{"x":[1]}'),
    (b'{"x":[1]}', {"a": None, "b": {1: 2}}, b'{"x":[1],"a":null,"b":{"1":2}}'),
])
def test_extend_object(doc: bytes, extra: dict, expected: bytes) -> None:
    assert extend_object(doc, extra) == expected
    assert orjson.loads(expected) == {**orjson.loads(doc), **{k: v for k, v in orjson.loads(
        orjson.dumps(extra, option=OPTIONS)).items()}}


@pytest.mark.parametrize("doc", [b"[1]", b"", b'"x"'])
def test_extend_object_wants_an_object(doc: bytes) -> None:
    with pytest.raises(ValueError, match="not an encoded JSON object"):
        extend_object(doc, {"a": 1})


def test_estimates_kept_across_quotes_change_nothing(quotes: list[tuple[str, Quote]]) -> None:
    memo = EstimateMemo()
    for _ in range(2):  # the second pass reads every estimate from the memo
        for (name, q), (_, kept) in zip(quotes, fixed_quotes(memo), strict=True):
            assert kept.to_json().replace(kept.id.encode(), q.id.encode()) == q.to_json(), name

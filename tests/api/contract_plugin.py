"""A pytest plugin (tests/conftest.py loads it): every answer a TestClient gets from the microfab app is checked
against the app's OpenAPI document (declared status, media type, body schema). MICROFAB_CONTRACT_CHECK=0 turns
it off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.contract import Contract


@pytest.fixture(scope="session", autouse=True)
def every_answer_fits_the_contract() -> Iterator[None]:
    if os.environ.get("MICROFAB_CONTRACT_CHECK", "1") == "0":
        yield
        return
    from starlette.testclient import TestClient

    contracts: dict[int, Contract | None] = {}
    original = TestClient.request

    def contract_of(app: Any) -> Contract | None:
        if id(app) not in contracts:
            openapi = getattr(app, "openapi", None)
            contracts[id(app)] = Contract(openapi()) if callable(openapi) and hasattr(app, "openapi_schema") else None
        return contracts[id(app)]

    def checked(self: TestClient, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        contract = contract_of(self.app)
        if contract is not None and contract.declares(response.request.url.path):
            contract.check_response(response)
        return response

    TestClient.request = checked  # type: ignore[method-assign]
    try:
        yield
    finally:
        TestClient.request = original  # type: ignore[method-assign]

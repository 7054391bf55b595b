"""Checking answers against the OpenAPI document: the response schema of (method, path, status, media type)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs


class Contract:
    """The OpenAPI document of a running app, and a check of one answer against it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.paths = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in spec["paths"]]
        self._validators: dict[str, Any] = {}

    def validator(self, schema: dict[str, Any]) -> Any:
        key = repr(schema)
        if key not in self._validators:
            self._validators[key] = jsonschema_rs.validator_for({**schema, "components": self.spec["components"]})
        return self._validators[key]

    def declares(self, path: str) -> bool:
        return any(rx.match(path) for rx, _ in self.paths)

    def methods(self, path: str) -> list[str]:
        return [m for rx, template in self.paths if rx.match(path) for m in self.spec["paths"][template]]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        matches = [template for rx, template in self.paths if rx.match(path)]
        assert matches, f"{path} is not in the OpenAPI document"
        exact = [t for t in matches if "{" not in t] or matches  # /v1/quotes before /v1/quotes/{quote_id}
        item = self.spec["paths"][exact[0]]
        assert method.lower() in item, f"{method} {path} is not in the OpenAPI document"
        return item[method.lower()]

    def check(self, method: str, path: str, status: int, content_type: str, body: Any) -> None:
        """Assert that the document declares this answer and that ``body`` fits its schema."""
        if status == 405:  # a method the path does not have: every operation declares the same problem
            op = self.operation(self.methods(path)[0], path)
        else:
            op = self.operation(method, path)
        answer = op["responses"].get(str(status))
        assert answer is not None, f"{method} {path} -> {status} is not declared"
        if status in (204, 304) or body is None:
            return
        media = content_type.split(";")[0].strip()
        content = answer.get("content", {})
        assert media in content, f"{method} {path} -> {status} {media} is not declared ({list(content)})"
        schema = content[media].get("schema")
        if schema:
            errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
                      for e in self.validator(schema).iter_errors(body)]
            assert not errors, f"{method} {path} -> {status}: " + "; ".join(errors[:10])

    def check_response(self, response: Any) -> None:
        request = response.request
        media = response.headers.get("content-type", "")
        body = response.json() if "json" in media and response.content else None
        self.check(request.method, request.url.path, response.status_code, media, body)

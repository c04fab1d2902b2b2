"""A test-client hook: every JSON answer must fit what ``app.openapi()`` promises.

Installed on the shared clients (``running_client``, the events' ``live``), it checks each
``application/json`` or ``application/problem+json`` response against the schema its
operation documents for that status code and media type, so the document and the wire
cannot drift apart unnoticed: an undocumented status, an undocumented media type or a body
that does not fit fails the test that received it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs

CHECKED = ("application/json", "application/problem+json")


class ResponseContract:
    """``event_hooks={"response": [ResponseContract(app)]}`` on an ``httpx.AsyncClient``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._operations: list[tuple[re.Pattern[str], dict[str, Any]]] | None = None
        self._validators: dict[tuple[str, str, str, str], jsonschema_rs.Validator] = {}
        self.checked = 0

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The documented operation that ``method path`` reaches, as the router matches."""
        if self._operations is None:
            paths = self.app.openapi()["paths"]
            # Literal segments before parameters: /messages/batch before /messages/{message}.
            templates = sorted(paths, key=lambda p: [s.startswith("{") for s in p.split("/")])
            self._operations = [
                (
                    re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(t)) + "$"),
                    {"template": t, **paths[t]},
                )
                for t in templates
            ]
        for pattern, item in self._operations:
            if pattern.match(path):
                op = item.get(method.lower())
                return (item["template"], op) if op is not None else None
        return None

    def validator(
        self, key: tuple[str, str, str, str], schema: dict[str, Any]
    ) -> jsonschema_rs.Validator:
        if key not in self._validators:
            root = {**schema, "components": self.app.openapi().get("components", {})}
            self._validators[key] = jsonschema_rs.Draft202012Validator(root)
        return self._validators[key]

    async def __call__(self, response: httpx.Response) -> None:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in CHECKED:
            return
        method, path = response.request.method, response.request.url.path
        found = self.operation(method, path)
        if found is None:  # no such route or method: the router's own 404/405
            return
        template, op = found
        where = f"{method} {template} -> {response.status_code} {media_type}"
        documented = op["responses"].get(str(response.status_code)) or op["responses"].get(
            "default"
        )
        assert documented is not None, f"{where}: status not documented in app.openapi()"
        content = documented.get("content", {})
        assert media_type in content, f"{where}: media type not documented (only {sorted(content)})"
        schema = content[media_type].get("schema")
        if not schema:
            return
        await response.aread()
        body = response.json()
        errors = [
            f"{'/'.join(map(str, e.instance_path))}: {e.message}"
            for e in self.validator(
                (method, template, str(response.status_code), media_type), schema
            ).iter_errors(body)
        ]
        assert not errors, f"{where}: body does not fit the schema: {errors[:5]}"
        self.checked += 1

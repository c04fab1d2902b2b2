"""Audit of changes, verifies and sends, as pure ASGI middleware (the routes know nothing).

Which requests: every ``POST``/``PUT``/``PATCH``/``DELETE`` on a ``/v1`` route (accounts,
tokens, webhooks, the outbox, ``/v1/oauth2/...`` and any route added later), except the
operations on mail content (mailboxes, messages, POP3), of which only sends (``.../send``,
``/reply``, ``/forward``) are recorded. Failed attempts count too, refusals before routing
(401 of a missing token, 413) included. ``GET`` and ``HEAD`` pass by after one comparison.

What: the route *template* (never the raw path or query string), the account and target ids
of its path (or of a created resource: the ``id`` of a 201 body, nothing else of it), the
caller's token id, the HTTP status and the problem's ``code``, the client address. Never a
body, a header or a secret.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..audit import AuditLog, new_entry_id
from ..model.records import AuditEntry, utcnow

log = logging.getLogger(__name__)

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAIL_CONTENT = (
    "/v1/accounts/{account}/mailboxes",
    "/v1/accounts/{account}/messages",
    "/v1/accounts/{account}/pop3",
)
_SEND = re.compile(r"/(send|reply|forward)(/|$)")
_CAPTURE_BYTES = 64 * 1024  # of a 201 or problem+json body, for its "id" or "code"

RouteTable = list[tuple[re.Pattern[str], str, frozenset[str]]]


def is_audited(method: str, route: str) -> bool:
    """Is a request of ``method`` on the route template ``route`` recorded?"""
    if method not in _MUTATING or not route.startswith("/v1/"):
        return False
    if route.startswith(_MAIL_CONTENT):
        return _SEND.search(route) is not None
    return True


def route_table(openapi: dict[str, Any]) -> RouteTable:
    """Every documented route as (regex, template, methods), to name a request that was
    refused before routing."""
    table = []
    for template, operations in openapi.get("paths", {}).items():
        regex, _, _ = compile_path(template)
        table.append((regex, template, frozenset(m.upper() for m in operations)))
    return table


def match_route(table: RouteTable, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(template, path parameters) of the route ``method path`` would reach, if any."""
    for regex, template, methods in table:
        found = regex.match(path)
        if found is not None and method in methods:
            return template, found.groupdict()
    return None


class AuditMiddleware:
    def __init__(
        self, app: ASGIApp, audit: AuditLog, openapi: Callable[[], dict[str, Any]]
    ) -> None:
        self.app = app
        self.audit = audit
        self._openapi = openapi
        self._table: RouteTable | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _MUTATING
            or not scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        at = utcnow()
        scope.setdefault("state", {})  # the auth code leaves the principal here
        status = 500
        capture = False
        body = bytearray()
        recorded = False

        def finish() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                try:
                    self._record(scope, at, status, body if capture else None)
                except Exception:  # never at the cost of the answer
                    log.exception("audit log: a request could not be recorded")

        async def auditing_send(message: Message) -> None:
            nonlocal status, capture
            if message["type"] == "http.response.start":
                status = message["status"]
                capture = status == 201 or (status >= 400 and _is_problem(message))
            elif message["type"] == "http.response.body":
                if capture and len(body) < _CAPTURE_BYTES:
                    body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    finish()  # before the client has the whole answer: read-your-writes
            await send(message)

        try:
            await self.app(scope, receive, auditing_send)
        finally:
            finish()  # an exception (a 500) or a client gone before the end

    def _record(self, scope: Scope, at: Any, status: int, body: bytearray | None) -> None:
        method = scope["method"]
        route = scope.get("route")
        template = getattr(route, "path_format", None)
        params: dict[str, Any] = scope.get("path_params") or {}
        if template is None:  # refused before routing (no or a bad token, too large)
            if self._table is None:
                self._table = route_table(self._openapi())
            matched = match_route(self._table, method, scope["path"])
            if matched is None:
                return
            template, params = matched
        if not is_audited(method, template):
            return
        fields = _body_fields(body) if body else {}
        account = params.get("account")
        target = next((v for k, v in reversed(params.items()) if k != "account"), None)
        if status == 201 and method == "POST":
            created = fields.get("id")
            if template == "/v1/accounts":
                account = created
            else:
                target = created
        principal = scope["state"].get("principal")
        client = scope.get("client")
        self.audit.record(
            AuditEntry(
                id=new_entry_id(),
                at=at,
                token_id=getattr(principal, "token_id", None),
                method=method,
                route=template[:256],
                account_id=_clip(account, 64),
                target_id=_clip(target, 128),
                status=status,
                code=_clip(fields.get("code") if status >= 400 else None, 64),
                client_ip=_clip(client[0], 64) if client else None,
            )
        )


def _is_problem(message: Message) -> bool:
    return any(
        name == b"content-type" and value.startswith(b"application/problem+json")
        for name, value in message.get("headers", ())
    )


def _body_fields(body: bytearray) -> dict[str, str]:
    """The top-level ``id`` and ``code`` of a JSON body, nothing else of it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: data[k] for k in ("id", "code") if isinstance(data.get(k), str)}


def _clip(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]

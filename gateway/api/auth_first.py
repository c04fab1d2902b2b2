"""Authenticate ``/v1`` requests before their body is read (pure ASGI middleware).

FastAPI reads and parses a request's body before it solves the route's dependencies, so
without this an unauthenticated client could make the gateway read (and buffer) a body of
``max_request_bytes`` only to be told 401. Here the bearer token is checked (with the rate
limit) from the headers alone, by the very function the routes' dependencies and the fast
paths call (``deps.principal_for``); it remembers the principal on the request, so they
reuse it and the rate limit counts each request once. A refusal is the usual problem+json,
sent without reading the body; the server then ends the connection instead of draining the
rest (``gateway/server.py``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import GatewayError
from ..services import Services
from .deps import bearer_token, principal_for
from .errors import gateway_problem

# The provider's redirect cannot carry a bearer token: its one-use ``state`` is the only
# authority there (gateway/oauth2/connect.py). Exactly this path; nothing below it.
OAUTH2_CALLBACK = "/v1/oauth2/callback"


class AuthFirstMiddleware:
    """401 (or 429) for a ``/v1`` request without a valid token, before its body is read."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/v1/")
            and scope["path"] != OAUTH2_CALLBACK
        ):
            token = bearer_token(_authorization(scope))
            try:
                await principal_for(Request(scope), self.services, token)
            except GatewayError as exc:
                await gateway_problem(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _authorization(scope: Scope) -> str | None:
    """The Authorization header (a scan of the few raw headers is cheaper than ``Headers``)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None

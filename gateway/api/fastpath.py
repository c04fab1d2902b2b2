"""Fast paths for the hottest routes: the same work without FastAPI's per-request machinery.

On every request FastAPI solves the route's dependency tree (token, scope, account,
services: about ten nested calls), validates each parameter through pydantic and then
validates and serialises the returned model again. On a listing of 50 messages that was
a third of the gateway's CPU, on a read of one cached message half (profiles in
``bench/README.md``). A route of a router built with ``route_class=LeanRoute`` whose
endpoint carries ``@fast_path(fn)`` offers each request to ``fn(request)`` first:

- ``fn`` handles only requests whose shape it can check cheaply *and exactly*: path
  parameters that match the route's constraints, known query parameters in their plain
  spellings (``true``/``false``, ``2024-01-31``, ``50``), a JSON body that the same
  pydantic model accepts. For anything else it raises ``Unusual``, before it has done
  anything else, and FastAPI handles the request as usual: unusual or invalid input gets
  exactly the responses (422 and all) it always got.
- Authentication, the rate limit, the scope check and the tenant check are the very
  functions the dependencies call (``deps.principal_for``, ``check_scope``,
  ``account_for``), in the same order, raising the same domain errors; the route's
  own work is a function shared with the FastAPI endpoint.

``GATEWAY_FAST_PATHS=false`` turns the fast paths off (every request goes through FastAPI);
the tests run both ways and compare the responses byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams

from ..accounts.models import ACCOUNT_ID_PATTERN, Account
from ..services import Services
from .deps import Principal, Scope, account_for, bearer_token, check_scope, principal_for

FastPath = Callable[[Request], Awaitable[Response]]

_FAST_PATHS: dict[Callable[..., Any], FastPath] = {}


def fast_path(handler: FastPath) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator (below the route decorator): ``handler`` may answer the route's requests."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        _FAST_PATHS[endpoint] = handler
        return endpoint

    return register


class LeanRoute(APIRoute):
    """An ``APIRoute`` that offers each request to its endpoint's fast path first."""

    fast_served = 0  # requests its fast path answered, with a response or an error

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        full = super().get_route_handler()
        fast = _FAST_PATHS.get(self.endpoint)
        if fast is None:
            return full

        async def handler(request: Request) -> Response:
            if request.app.state.services.settings.fast_paths:
                unusual = False
                try:
                    return await fast(request)
                except Unusual:
                    unusual = True
                finally:
                    if not unusual:
                        self.fast_served += 1
            return await full(request)

        return handler


# -- what the fast paths share ---------------------------------------------------------------

_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)
_BOOLS = {"true": True, "false": False}
_INT = re.compile(r"(?:0|[1-9][0-9]{0,8})\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class Unusual(Exception):
    """The request is not of the plain shape a fast path handles: FastAPI takes it."""


def services_of(request: Request) -> Services:
    return request.app.state.services


async def caller(request: Request, scope: Scope) -> Principal:
    """The ``requires(scope)`` dependency, as a plain call."""
    services = services_of(request)
    token = bearer_token(request.headers.get("authorization"))
    return check_scope(await principal_for(request, services, token), scope)


async def account_of(request: Request, principal: Principal) -> Account:
    """The ``AccountDep`` dependency, as a plain call (its path parameter checked first)."""
    return await account_for(principal, services_of(request), path_account(request))


def path_account(request: Request) -> str:
    account = request.path_params.get("account", "")
    if not _ACCOUNT_ID.fullmatch(account):
        raise Unusual
    return account


def path_str(request: Request, name: str, max_length: int) -> str:
    value = request.path_params.get(name, "")
    if not 1 <= len(value) <= max_length:
        raise Unusual
    return value


class Query:
    """Plain query parameters: each name at most once, values in their canonical spelling.
    Unknown names are ignored, as FastAPI ignores them."""

    def __init__(self, params: QueryParams) -> None:
        items = params.multi_items()
        if len(items) != len(params):
            raise Unusual  # a name given twice
        self.values = dict(items)

    def str(self, name: str, max_length: int) -> str | None:
        value = self.values.get(name)
        if value is not None and len(value) > max_length:
            raise Unusual
        return value

    def bool(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        if value not in _BOOLS:
            raise Unusual
        return _BOOLS[value]

    def int(self, name: str, default: int, lo: int, hi: int) -> int:
        value = self.values.get(name)
        if value is None:
            return default
        if not _INT.match(value) or not lo <= int(value) <= hi:
            raise Unusual
        return int(value)

    def date(self, name: str) -> date | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not _DATE.match(value):
            raise Unusual
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Unusual from None

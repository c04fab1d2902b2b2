"""The one route class of the API: a query parameter the route does not declare is a 422.

FastAPI ignores query parameters its endpoint does not name, so a misspelt filter
(``?unsen=true``) silently lists everything. Every router uses ``GatewayRoute``, which
knows its route's query parameters from the endpoint's signature and dependencies (the
one place a parameter, its limits and its OpenAPI entry are declared) and refuses any
other name before anything else runs, with the same problem+json as any invalid input.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from .errors import problem_responses


class GatewayRoute(APIRoute):
    """An ``APIRoute`` that answers an undeclared query parameter with 422 (documented on
    every route, since every route may now give it), and whose operationId is its name."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["responses"] = {
            422: problem_responses(auth=False)[422],
            **(kwargs.get("responses") or {}),
        }
        # The endpoint's name (`send_raw`, unique in the app): the method names of the
        # generated clients (clients/).
        kwargs["operation_id"] = (
            kwargs.get("operation_id") or kwargs.get("name") or endpoint.__name__
        )
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = query_names(self)

        async def checked(request: Request) -> Response:
            if request.scope["query_string"]:
                unknown = [name for name in request.query_params if name not in known]
                if unknown:
                    raise RequestValidationError(
                        [
                            {
                                "type": "extra_forbidden",
                                "loc": ("query", name),
                                "msg": "Unknown query parameter",
                            }
                            for name in dict.fromkeys(unknown)
                        ]
                    )
            return await handler(request)

        return checked


def query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` declares, in its endpoint and its dependencies
    (by their aliases, as sent)."""
    names: set[str] = set()
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(field.alias for field in dependant.query_params)
        pending.extend(dependant.dependencies)
    return frozenset(names)

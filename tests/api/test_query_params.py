"""A query parameter a route does not declare is a 422 on every route (api/routing.py).

FastAPI ignores undeclared query parameters: a misspelt filter (``?unsen=true``) listed
everything with a 200. Every route now refuses them the same way, and the names a route
accepts come from its signature alone.
"""

from __future__ import annotations

import re
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query

from gateway.api import errors as api_errors
from gateway.api.routing import GatewayRoute, query_names
from tests.api.helpers import api_routes


def _fill(path: str) -> str:
    return re.sub(r"\{\w+\}", "x1", path)


async def test_unknown_query_parameter_is_refused_on_every_route(client: httpx.AsyncClient) -> None:
    operations = [
        (method.upper(), path)
        for path, item in client.app.openapi()["paths"].items()
        for method in item
    ]
    assert len(operations) >= 40, "expected the whole API"
    for method, path in operations:
        resp = await client.request(method, _fill(path), params={"surprise": "1"})
        assert resp.status_code == 422, (method, path, resp.status_code, resp.text)
        problem = resp.json()
        assert problem["code"] == "validation_error", (method, path)
        assert problem["errors"] == [
            {
                "loc": ["query", "surprise"],
                "type": "extra_forbidden",
                "msg": "Unknown query parameter",
            }
        ], (method, path)


async def test_every_route_is_a_gateway_route(client: httpx.AsyncClient) -> None:
    routes = list(api_routes(client.app))
    assert len(routes) >= 40
    assert all(isinstance(route, GatewayRoute) for _, route in routes)


async def test_listing_with_a_misspelt_filter_is_refused(
    client: httpx.AsyncClient, account: dict
) -> None:
    url = f"/v1/accounts/{account['id']}/mailboxes/INBOX/messages"
    assert (await client.get(url, params={"unseen": "true"})).status_code == 200
    resp = await client.get(url, params={"unsen": "true", "from": "a", "limit": "5"})
    assert resp.status_code == 422 and resp.json()["errors"][0]["loc"] == ["query", "unsen"]


async def test_dates_in_queries_are_days_as_the_document_says(
    client: httpx.AsyncClient, account: dict
) -> None:
    """`since`/`before` are `format: date`: a number (which pydantic would read as seconds
    since 1970) or a date-time is a 422 naming the form (found by the contract fuzzer)."""
    for url in (f"/v1/accounts/{account['id']}/mailboxes/INBOX/messages", "/v1/search"):
        ok = await client.get(url, params={"since": "2024-01-02", "before": "2030-12-31"})
        assert ok.status_code == 200, (url, ok.text)
        for bad in ("0", "1700000000", "2024-01-02T10:00:00", "2024-1-2", "yesterday"):
            resp = await client.get(url, params={"before": bad})
            assert resp.status_code == 422, (url, bad, resp.text)
            (error,) = resp.json()["errors"]
            assert error["loc"] == ["query", "before"], (url, bad)
            assert "YYYY-MM-DD" in error["msg"] or "date" in error["msg"].lower(), error


async def _page(cursor: str | None = None) -> str | None:
    return cursor


async def _items(
    cursor: Annotated[str | None, Depends(_page)],
    from_: Annotated[str | None, Query(alias="from")] = None,
    limit: int = 5,
) -> dict:
    return {"cursor": cursor, "from": from_, "limit": limit}


async def test_declared_parameters_come_from_the_signature_alone() -> None:
    """A parameter of the signature (or of a dependency's) is accepted, no other."""
    router = APIRouter(route_class=GatewayRoute)
    router.get("/items")(_items)
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)

    [route] = [r for _, r in api_routes(app)]
    assert query_names(route) == {"cursor", "from", "limit"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.get("/items", params={"cursor": "c", "from": "f", "limit": "2"})
        assert ok.json() == {"cursor": "c", "from": "f", "limit": 2}
        bad = await c.get("/items", params=[("from_", "f"), ("x", "1"), ("x", "2")])
        assert bad.status_code == 422
        assert [e["loc"] for e in bad.json()["errors"]] == [["query", "from_"], ["query", "x"]]

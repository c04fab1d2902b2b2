"""Every /v1 route checks the token, its scope and its account limits."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from gateway.api.auth_first import OAUTH2_CALLBACK
from gateway.api.deps import Requires
from tests.api.helpers import api_routes, create_account, make_token

SCOPES = ["read", "write", "send", "admin", "metrics"]


def v1_routes(app) -> list[tuple[str, str, APIRoute]]:
    out = []
    for path, route in api_routes(app):
        if path.startswith("/v1"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                out.append((method, path, route))
    documented = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in item
    }
    # The walk must find every documented operation, so that no route escapes these tests.
    assert {(m, p) for m, p, _ in out} == documented
    assert len(out) >= 10, "expected the whole API"
    # The one route without a token: the OAuth2 provider's redirect (its state decides).
    return [r for r in out if r[1] != OAUTH2_CALLBACK]


def required_scope(route: APIRoute) -> str:
    scopes = [d.dependency.scope for d in route.dependencies if isinstance(d.dependency, Requires)]
    assert len(scopes) == 1, f"{route.path} must declare exactly one required scope"
    return scopes[0]


def fill(path: str, account: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: account if m.group(1) == "account" else "x1", path)


def call(client: httpx.AsyncClient, method: str, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {"Authorization": ""}
    kwargs = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
    return client.request(method, path, headers=headers, **kwargs)


async def test_every_route_requires_a_valid_token(client: httpx.AsyncClient) -> None:
    for method, path, _route in v1_routes(client.app):
        for token in (None, "mgt_not-a-real-token"):
            resp = await call(client, method, fill(path, "acct-a"), token)
            assert resp.status_code == 401, (method, path, resp.text)
            assert resp.json()["code"] == "unauthenticated"
            assert resp.headers["content-type"].startswith("application/problem+json")


async def test_oauth2_callback_needs_no_token_and_its_state_decides(
    client: httpx.AsyncClient,
) -> None:
    for token in (None, "mgt_not-a-real-token"):
        resp = await call(client, "GET", OAUTH2_CALLBACK + "?code=c&state=forged", token)
        assert resp.status_code == 400, resp.text
        assert resp.json()["code"] == "oauth2_state_invalid"
    # Only exactly that path: anything below it is authenticated as usual.
    below = await call(client, "GET", OAUTH2_CALLBACK + "/x", None)
    assert below.status_code == 401


async def test_every_route_checks_its_scope(client: httpx.AsyncClient) -> None:
    await create_account(client, "acct-a")
    tokens = {s: await make_token(client, [s]) for s in SCOPES}
    for method, path, route in v1_routes(client.app):
        needed = required_scope(route)
        for scope, token in tokens.items():
            if scope in (needed, "admin"):
                continue
            resp = await call(client, method, fill(path, "acct-a"), token)
            assert resp.status_code == 403, (method, path, scope, resp.text)
            assert resp.json()["code"] == "forbidden"


async def test_every_account_route_hides_other_tenants(client: httpx.AsyncClient) -> None:
    await create_account(client, "acct-a")
    await create_account(client, "acct-b")
    limited = await make_token(client, SCOPES, accounts=["acct-a"])
    checked = 0
    for method, path, _route in v1_routes(client.app):
        if "{account}" not in path:
            continue
        resp = await call(client, method, fill(path, "acct-b"), limited)
        assert resp.status_code == 404, (method, path, resp.text)
        assert resp.json()["code"] == "account_not_found"
        checked += 1
    assert checked >= 4


async def test_limited_token_sees_only_its_accounts(client: httpx.AsyncClient) -> None:
    await create_account(client, "acct-a")
    await create_account(client, "acct-b")
    reader = await make_token(client, ["read"], accounts=["acct-a"])
    h = {"Authorization": f"Bearer {reader}"}
    listed = (await client.get("/v1/accounts", headers=h)).json()
    assert [a["id"] for a in listed["items"]] == ["acct-a"]
    assert (await client.get("/v1/accounts/acct-a", headers=h)).status_code == 200
    assert (await client.get("/v1/accounts/acct-b", headers=h)).status_code == 404
    assert (await client.get("/v1/accounts/nope", headers=h)).status_code == 404

    admin_a = await make_token(client, ["admin"], accounts=["acct-a"])
    ha = {"Authorization": f"Bearer {admin_a}"}
    resp = await client.post(
        "/v1/accounts", headers=ha, json={"id": "acct-c", "name": "c", "email": "c@example.test"}
    )
    assert resp.status_code == 403
    resp = await client.post(
        "/v1/tokens", headers=ha, json={"scopes": ["read"], "accounts": ["acct-b"]}
    )
    assert resp.status_code == 403
    resp = await client.post("/v1/tokens", headers=ha, json={"scopes": ["read"]})
    assert resp.status_code == 403
    resp = await client.post(
        "/v1/tokens", headers=ha, json={"scopes": ["read"], "accounts": ["acct-a"]}
    )
    assert resp.status_code == 201
    ids = [t["id"] for t in (await client.get("/v1/tokens", headers=ha)).json()["items"]]
    assert resp.json()["id"] in ids and len(ids) == 3  # reader, admin_a and the new one


async def test_tokens_are_shown_once_stored_hashed_and_revocable(
    client: httpx.AsyncClient, settings
) -> None:
    created = await client.post("/v1/tokens", json={"description": "ci", "scopes": ["read"]})
    assert created.status_code == 201
    token = created.json()["token"]
    token_id = created.json()["id"]
    assert token.startswith("mgt_") and len(token) > 40

    listed = await client.get("/v1/tokens")
    assert token not in listed.text
    item = next(t for t in listed.json()["items"] if t["id"] == token_id)
    assert item["scopes"] == ["read"] and item["description"] == "ci"
    assert "token" not in item

    db = Path(settings.database_url.split("///", 1)[1])
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert token_id.encode() in stored
    assert token.encode() not in stored

    h = {"Authorization": f"Bearer {token}"}
    assert item["last_used_at"] is None
    assert (await client.get("/v1/accounts", headers=h)).status_code == 200
    used = next(t for t in (await client.get("/v1/tokens")).json()["items"] if t["id"] == token_id)
    assert used["last_used_at"] is not None
    assert (await client.delete(f"/v1/tokens/{token_id}")).status_code == 204
    assert (await client.get("/v1/accounts", headers=h)).status_code == 401
    assert (await client.delete(f"/v1/tokens/{token_id}")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"scopes": []},
        {"scopes": ["root"]},
        {"scopes": ["read"], "accounts": ["bad id"]},
        {"scopes": ["read"], "description": "a\r\nb"},
        {"scopes": "read"},
    ],
)
async def test_token_validation(client: httpx.AsyncClient, body: dict) -> None:
    resp = await client.post("/v1/tokens", json=body)
    assert resp.status_code == 422 and resp.json()["code"] == "validation_error"


async def test_operations_endpoints(client: httpx.AsyncClient) -> None:
    bare = {"Authorization": ""}
    assert (await client.get("/healthz", headers=bare)).json() == {"status": "ok"}
    assert (await client.get("/readyz", headers=bare)).json() == {"status": "ready"}
    assert (await client.get("/metrics", headers=bare)).status_code == 401
    reader = await make_token(client, ["read"])
    assert (
        await client.get("/metrics", headers={"Authorization": f"Bearer {reader}"})
    ).status_code == 403
    metrics = await make_token(client, ["metrics"])
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {metrics}"})
    assert resp.status_code == 200
    line = 'mailgate_http_requests_total{method="GET",route="/readyz",status="200"} 1.0'
    assert line in resp.text
    assert "mailgate_upstream_connections" in resp.text
    assert (await client.get("/docs", headers=bare)).status_code == 200
    assert (await client.get("/openapi.json", headers=bare)).json()["info"]["title"] == "mailgate"

"""Helpers shared by the tests/api modules: routes, tokens and account bodies."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute

PASSWORD = "s3cr3t-Pa55word-xyz"


def spec(**overrides) -> dict:
    """A POST /v1/accounts body for acct-a (servers on loopback ports nothing listens on)."""
    base = {
        "id": "acct-a",
        "name": "Alice",
        "email": "alice@example.test",
        "imap": {
            "host": "127.0.0.1",
            "port": 1143,
            "security": "starttls",
            "username": "alice@example.test",
            "password": PASSWORD,
        },
        "smtp": {
            "host": "localhost",
            "port": 1587,
            "security": "tls",
            "username": "alice@example.test",
            "password": PASSWORD,
            "tls_verify": False,
        },
    }
    base.update(overrides)
    return base


def api_routes(app):
    """(full path, APIRoute) for every route, also those inside included routers."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route.path, route
        elif hasattr(route, "effective_route_contexts"):  # FastAPI >= 0.16x keeps routers nested
            for ctx in route.effective_route_contexts():
                if isinstance(ctx.original_route, APIRoute):
                    yield ctx.path, ctx.original_route


async def make_token(
    client: httpx.AsyncClient, scopes: list[str], accounts: list[str] | None = None
) -> str:
    """A new API token with these scopes (and accounts), made with the client's admin token."""
    resp = await client.post(
        "/v1/tokens", json={"description": "t", "scopes": scopes, "accounts": accounts}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]


async def create_account(client: httpx.AsyncClient, account_id: str) -> None:
    """An account whose IMAP server does not exist (for tests that never connect)."""
    resp = await client.post(
        "/v1/accounts",
        json={
            "id": account_id,
            "name": account_id,
            "email": f"{account_id}@example.test",
            "imap": {
                "host": "127.0.0.1",
                "port": 9,
                "security": "none",
                "username": "u",
                "password": "p",
            },
        },
    )
    assert resp.status_code == 201, resp.text

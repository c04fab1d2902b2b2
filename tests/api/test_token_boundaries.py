"""A token limited to some accounts never sees, lists or revokes wider tokens or webhooks."""

from __future__ import annotations

import httpx
import pytest

from gateway.settings import Settings
from tests.api.helpers import create_account


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private": True})


async def _token(client: httpx.AsyncClient, scopes: list[str], accounts: list[str] | None) -> dict:
    resp = await client.post("/v1/tokens", json={"scopes": scopes, "accounts": accounts})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _hook(
    client: httpx.AsyncClient, accounts: list[str] | None, headers: dict | None = None
) -> httpx.Response:
    return await client.post(
        "/v1/webhooks",
        headers=headers or {},
        json={"url": "http://127.0.0.1:9/hook", "events": ["message.new"], "accounts": accounts},
    )


@pytest.fixture
async def tenants(client: httpx.AsyncClient) -> dict:
    """Accounts a and b, and an admin token limited to a."""
    await create_account(client, "acct-a")
    await create_account(client, "acct-b")
    limited = await _token(client, ["admin"], ["acct-a"])
    return {"limited": limited, "auth": {"Authorization": f"Bearer {limited['token']}"}}


async def test_limited_admin_lists_only_tokens_within_its_accounts(
    client: httpx.AsyncClient, tenants: dict
) -> None:
    own = await _token(client, ["read"], ["acct-a"])
    hidden = [
        await _token(client, ["read"], None),
        await _token(client, ["read"], ["acct-b"]),
        await _token(client, ["read"], ["acct-a", "acct-b"]),
    ]
    listed = await client.get("/v1/tokens", headers=tenants["auth"])
    assert listed.status_code == 200
    ids = {t["id"] for t in listed.json()["items"]}
    assert ids == {tenants["limited"]["id"], own["id"]}
    assert listed.json()["total"] == 2
    everything = {t["id"] for t in (await client.get("/v1/tokens")).json()["items"]}
    assert {t["id"] for t in hidden} <= everything


async def test_revoking_a_global_or_foreign_token_answers_404(
    client: httpx.AsyncClient, tenants: dict
) -> None:
    global_token = await _token(client, ["read"], None)
    foreign = await _token(client, ["read"], ["acct-b"])
    for victim in (global_token, foreign):
        resp = await client.delete(f"/v1/tokens/{victim['id']}", headers=tenants["auth"])
        assert resp.status_code == 404, resp.text
        assert resp.json()["code"] == "token_not_found"
        assert victim["token"] not in resp.text
        # The same answer as for an id that does not exist at all.
        still = await client.get(
            "/v1/accounts", headers={"Authorization": f"Bearer {victim['token']}"}
        )
        assert still.status_code == 200
    unknown = await client.delete("/v1/tokens/tok_0000000000000000", headers=tenants["auth"])
    assert unknown.status_code == 404 and unknown.json()["code"] == "token_not_found"
    own = await _token(client, ["read"], ["acct-a"])
    assert (
        await client.delete(f"/v1/tokens/{own['id']}", headers=tenants["auth"])
    ).status_code == 204


async def test_limited_admin_cannot_create_a_wider_token(
    client: httpx.AsyncClient, tenants: dict
) -> None:
    for accounts in (None, ["acct-b"], ["acct-a", "acct-b"]):
        resp = await client.post(
            "/v1/tokens", headers=tenants["auth"], json={"scopes": ["read"], "accounts": accounts}
        )
        assert resp.status_code == 403, (accounts, resp.text)
    narrower = await client.post(
        "/v1/tokens", headers=tenants["auth"], json={"scopes": ["admin"], "accounts": ["acct-a"]}
    )
    assert narrower.status_code == 201 and narrower.json()["accounts"] == ["acct-a"]


async def test_limited_admin_sees_only_webhooks_within_its_accounts(
    client: httpx.AsyncClient, tenants: dict
) -> None:
    auth = tenants["auth"]
    global_hook = (await _hook(client, None)).json()
    foreign = (await _hook(client, ["acct-b"])).json()
    both = (await _hook(client, ["acct-a", "acct-b"])).json()
    mine = await _hook(client, None, headers=auth)  # made by the limited token: limited too
    assert mine.status_code == 201, mine.text
    assert mine.json()["accounts"] == ["acct-a"]
    assert (await _hook(client, ["acct-b"], headers=auth)).status_code == 403

    listed = (await client.get("/v1/webhooks", headers=auth)).json()
    assert [w["id"] for w in listed["items"]] == [mine.json()["id"]]
    for hook in (global_hook, foreign, both):
        for method, path in (("GET", ""), ("GET", "/deliveries"), ("DELETE", "")):
            resp = await client.request(method, f"/v1/webhooks/{hook['id']}{path}", headers=auth)
            assert resp.status_code == 404, (method, path, resp.text)
            assert resp.json()["code"] == "webhook_not_found"
    assert len((await client.get("/v1/webhooks")).json()["items"]) == 4  # nothing deleted
    assert (
        await client.delete(f"/v1/webhooks/{mine.json()['id']}", headers=auth)
    ).status_code == 204

"""The app refreshes accounts' OAuth2 access tokens itself (services wire a TokenRefresher),
and a token_url on a private address gets no request unless the settings allow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import running_client, server_block

from .flow import authorize


def refreshable_spec(stack, user: str, tokens: dict, server, client) -> dict:
    spec: dict = {"id": user.split("@")[0], "name": f"OAuth {user}", "email": user}
    expired = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    block = server_block(stack, user, "imap", security="starttls")
    del block["password"]
    spec["imap"] = {
        **block,
        "oauth2": {
            "access_token": "expired-" + tokens["access_token"],
            "expires_at": expired,
            "refresh_token": tokens["refresh_token"],
            "token_url": server.token_url,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
    }
    return spec


async def test_app_refreshes_an_expired_access_token_at_the_token_url(
    settings, oauth_server, oauth_client, oauth_stack
) -> None:
    settings.oauth2_allow_private_endpoints = True
    user = oauth_stack.new_user("wr")
    tokens = authorize(oauth_server, oauth_client, user)
    before = oauth_server.token_calls["refresh_token"]
    async with running_client(settings) as client:
        created = await client.post(
            "/v1/accounts",
            json=refreshable_spec(oauth_stack, user, tokens, oauth_server, oauth_client),
        )
        assert created.status_code == 201, created.text
        listing = await client.get(f"/v1/accounts/{created.json()['id']}/mailboxes/INBOX/messages")
        assert listing.status_code == 200, listing.text
    assert oauth_server.token_calls["refresh_token"] == before + 1


async def test_private_token_url_is_refused_without_the_setting(
    settings, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("wr")
    tokens = authorize(oauth_server, oauth_client, user)
    before = oauth_server.token_calls["refresh_token"]
    async with running_client(settings) as client:
        created = await client.post(
            "/v1/accounts",
            json=refreshable_spec(oauth_stack, user, tokens, oauth_server, oauth_client),
        )
        listing = await client.get(f"/v1/accounts/{created.json()['id']}/mailboxes/INBOX/messages")
        assert listing.status_code == 502, listing.text
        assert listing.json()["code"] == "oauth2_token_url_refused"
        assert tokens["refresh_token"] not in listing.text
    assert oauth_server.token_calls["refresh_token"] == before

"""The account's connections log in with refreshed OAuth2 tokens: ahead of expiry, once
after a refusal, and not at all (no retry storm) once the grant is revoked. Through the
HTTP API, against Dovecot and Postfix that check tokens at the loopback server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.oauth2.tokens import TokenRefresher
from gateway.store.accounts import AccountRepo
from tests.conftest import server_block

from .flow import authorize, revoke
from .helpers import delivered


@pytest.fixture
async def refreshing(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The app's account registry hands its managers a token refresher."""
    services = client.app.state.services  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as http:
        # The server's tokens live 30 s: a refreshed one stays good for the whole test.
        services.accounts.tokens = TokenRefresher(
            services.store, AccountRepo(services.store, services.box), http, ahead=2, jitter=1
        )
        yield client


def spec(stack, server, oauth_client, user: str, tokens: dict, *, expires_in: float) -> dict:
    oauth2 = {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "token_url": server.token_url,
        "client_id": oauth_client.client_id,
        "client_secret": oauth_client.client_secret,
        "expires_at": (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat(),
    }
    out: dict = {"id": user.split("@")[0], "name": user, "email": user}
    for proto in ("imap", "smtp", "pop3"):
        block = server_block(stack, user, proto, security="starttls")
        del block["password"]
        out[proto] = {**block, "oauth2": oauth2}
    return out


async def test_expired_token_is_refreshed_once_for_fifty_requests_on_every_protocol(
    refreshing, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("rf")
    tokens = authorize(oauth_server, oauth_client, user)
    oauth_server.expire(tokens["access_token"])
    oauth_stack.deliver(user, b"Subject: waiting\r\n\r\nbody\r\n")
    created = await refreshing.post(
        "/v1/accounts",
        json=spec(oauth_stack, oauth_server, oauth_client, user, tokens, expires_in=-5),
    )
    assert created.status_code == 201, created.text
    acc = created.json()["id"]
    before = oauth_server.token_calls["refresh_token"]
    replies = await asyncio.gather(
        *(refreshing.get(f"/v1/accounts/{acc}/mailboxes/INBOX/messages") for _ in range(25)),
        *(refreshing.get(f"/v1/accounts/{acc}/pop3") for _ in range(5)),
    )
    assert [r.status_code for r in replies] == [200] * 30, replies[0].text
    sent = await refreshing.post(
        f"/v1/accounts/{acc}/send", json={"to": [user], "subject": "after refresh", "text": "hi"}
    )
    assert sent.status_code == 200, sent.text
    assert await delivered(oauth_stack, user, at_least=2) == 2
    assert oauth_server.token_calls["refresh_token"] == before + 1


async def test_refused_token_is_refreshed_once_and_the_login_succeeds(
    refreshing, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("rf")
    tokens = authorize(oauth_server, oauth_client, user)
    # Valid by the clock, but the server no longer takes it (revoked access token).
    assert revoke(oauth_server, oauth_client, tokens["access_token"]).status_code == 200
    created = await refreshing.post(
        "/v1/accounts",
        json=spec(oauth_stack, oauth_server, oauth_client, user, tokens, expires_in=3600),
    )
    acc = created.json()["id"]
    before = oauth_server.token_calls["refresh_token"]
    verify = (await refreshing.post(f"/v1/accounts/{acc}/verify")).json()
    assert verify["ok"] is True, verify
    assert oauth_server.token_calls["refresh_token"] == before + 1


async def test_revoked_grant_needs_reauth_without_a_retry_storm(
    refreshing, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("rf")
    tokens = authorize(oauth_server, oauth_client, user)
    assert revoke(oauth_server, oauth_client, tokens["refresh_token"]).status_code == 200
    created = await refreshing.post(
        "/v1/accounts",
        json=spec(oauth_stack, oauth_server, oauth_client, user, tokens, expires_in=3600),
    )
    acc = created.json()["id"]
    before = oauth_server.token_calls["refresh_token"]
    for _ in range(3):
        verify = await refreshing.post(f"/v1/accounts/{acc}/verify")
        body = verify.json()
        assert body["ok"] is False
        for proto in ("imap", "smtp", "pop3"):
            assert body[proto]["detail"].startswith("oauth2_reauth_required"), body
        assert tokens["refresh_token"] not in verify.text
    listing = await refreshing.get(f"/v1/accounts/{acc}/mailboxes/INBOX/messages")
    assert listing.json()["code"] == "oauth2_reauth_required"
    assert oauth_server.token_calls["refresh_token"] == before + 1  # one call, then none

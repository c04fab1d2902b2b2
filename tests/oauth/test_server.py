"""The test authorization server behaves as a real one (it must refuse what it should)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from .flow import authorize, exchange, introspect, login, pkce_pair, refresh, revoke
from .server import OAuthServer

USER = "alice@example.test"


@pytest.fixture(scope="module")
def server() -> Iterator[OAuthServer]:
    with OAuthServer(access_token_ttl=30) as srv:
        yield srv


def test_code_flow_with_pkce_gives_tokens_that_introspect_as_the_user(server):
    client = server.register_client()
    tokens = authorize(server, client, USER)
    assert tokens["token_type"].lower() == "bearer" and tokens["expires_in"] == 30
    info = introspect(server, tokens["access_token"])
    assert info["active"] is True and info["username"] == USER


def test_wrong_password_on_the_login_form_issues_no_code(server):
    client = server.register_client()
    _, challenge = pkce_pair()
    reply = login(server, client, USER, code_challenge=challenge, state="s", password="nope")
    assert reply.status_code == 401 and "location" not in reply.headers


def test_wrong_pkce_verifier_is_refused(server):
    client = server.register_client()
    _, challenge = pkce_pair()
    redirect = login(server, client, USER, code_challenge=challenge, state="s")
    code = parse_qs(urlsplit(redirect.headers["location"]).query)["code"][0]
    with pytest.raises(httpx.HTTPStatusError) as err:
        exchange(server, client, code, pkce_pair()[0])
    assert err.value.response.json()["error"] == "invalid_grant"


def test_authorization_without_s256_challenge_is_refused(server):
    client = server.register_client()
    reply = httpx.get(
        server.authorize_url,
        params={
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uris[0],
            "scope": "mail",
            "state": "s",
        },
    )
    assert reply.status_code == 400


def test_refresh_rotates_and_a_used_refresh_token_gets_invalid_grant(server):
    client = server.register_client()
    tokens = authorize(server, client, USER)
    before = server.token_calls["refresh_token"]
    first = refresh(server, client, tokens["refresh_token"])
    assert first.status_code == 200
    new = first.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert introspect(server, new["access_token"])["active"] is True
    replay = refresh(server, client, tokens["refresh_token"])
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert server.token_calls["refresh_token"] == before + 2


def test_expired_and_revoked_access_tokens_introspect_inactive(server):
    client = server.register_client()
    tokens = authorize(server, client, USER)
    server.expire(tokens["access_token"])
    assert introspect(server, tokens["access_token"]) == {"active": False}
    again = refresh(server, client, tokens["refresh_token"]).json()
    assert revoke(server, client, again["refresh_token"]).status_code == 200
    assert introspect(server, again["access_token"]) == {"active": False}
    assert refresh(server, client, again["refresh_token"]).json()["error"] == "invalid_grant"


def test_introspection_needs_the_resource_servers_credentials(server):
    client = server.register_client()
    tokens = authorize(server, client, USER)
    reply = httpx.post(
        server.introspection_url,
        data={
            "token": tokens["access_token"],
            "client_id": "dovecot",
            "client_secret": secrets.token_hex(8),
        },
    )
    assert reply.status_code == 401


def test_client_credentials_token_names_the_app_not_a_mailbox(server):
    """App-only access (Microsoft's shared mailboxes): no refresh token, and introspection
    names the app; which mailboxes it may open is the mail server's permission table."""
    client = server.register_client(grant_types=("client_credentials",))
    reply = httpx.post(
        server.token_url,
        auth=(client.client_id, client.client_secret),
        data={"grant_type": "client_credentials", "scope": "mail"},
    )
    assert reply.status_code == 200, reply.text
    assert "refresh_token" not in reply.json()
    info = introspect(server, reply.json()["access_token"])
    assert info["active"] is True
    assert info["username"] == info["app_id"] == client.client_id
    wrong = httpx.post(
        server.token_url,
        auth=(client.client_id, "not-the-secret"),
        data={"grant_type": "client_credentials", "scope": "mail"},
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"

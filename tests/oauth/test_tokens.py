"""Token refresh (gateway/oauth2/tokens.py) against the loopback authorization server, with
the account stored in SQLite and in PostgreSQL; pure parts without I/O."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.errors import OAuth2ReauthRequired, UpstreamError, UpstreamUnavailable
from gateway.events.pinned_transport import PinnedTransport
from gateway.events.url_policy import WebhookUrlPolicy
from gateway.model.accounts import Account, OAuth2Config
from gateway.oauth2.tokens import (
    TokenRefresher,
    advisory_key,
    parse_token_response,
    refresh_due,
)
from gateway.secrets import SecretBox
from gateway.store.accounts import AccountRepo
from gateway.store.db import Store

from .flow import authorize, introspect, refresh, revoke

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
KEY = "test-secret-key"


# -- pure ------------------------------------------------------------------------------------


def test_token_response_with_rotation_and_expiry() -> None:
    grant = parse_token_response(
        200, b'{"access_token":"at2","expires_in":30,"refresh_token":"rt2"}', now=NOW
    )
    assert grant.access_token == "at2" and grant.refresh_token == "rt2"
    assert grant.expires_at == NOW + timedelta(seconds=30)
    same = parse_token_response(200, b'{"access_token":"at3"}', now=NOW)
    assert same.refresh_token is None and same.expires_at is None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"error":"invalid_grant","error_description":"AADSTS70043: expired"}',
            OAuth2ReauthRequired,
        ),
        (401, b'{"error":"invalid_client"}', OAuth2ReauthRequired),
        (503, b'{"error":"temporarily_unavailable"}', UpstreamUnavailable),
        (502, b"<html>bad gateway</html>", UpstreamUnavailable),
        (400, b'{"error":"invalid_scope"}', UpstreamError),
        (200, b'{"token_type":"bearer"}', UpstreamError),
    ],
)
def test_token_endpoint_errors(status: int, body: bytes, error: type) -> None:
    with pytest.raises(error) as err:
        parse_token_response(status, body, now=NOW)
    assert type(err.value) is error
    if error is OAuth2ReauthRequired:
        assert err.value.code == "oauth2_reauth_required" and err.value.oauth_status


def test_refresh_is_due_ahead_of_expiry_with_a_per_account_jitter() -> None:
    block = OAuth2Config.model_validate({"access_token": "at", "expires_at": NOW})
    assert not refresh_due(block, "a", now=NOW - timedelta(seconds=200), ahead=120, jitter=60)
    assert refresh_due(block, "a", now=NOW - timedelta(seconds=119), ahead=120, jitter=60)
    # Accounts spread over the jitter window.
    due_at = {
        account: next(
            s
            for s in range(200, 0, -1)
            if refresh_due(block, account, now=NOW - timedelta(seconds=s), ahead=120, jitter=60)
        )
        for account in ("a", "b", "c", "d", "e", "f")
    }
    assert all(120 <= s <= 180 for s in due_at.values()) and len(set(due_at.values())) > 2
    assert not refresh_due(
        OAuth2Config.model_validate({"access_token": "at"}), "a", now=NOW, ahead=120, jitter=60
    )  # unknown expiry: only a refusal tells
    assert refresh_due(OAuth2Config(), "a", now=NOW, ahead=120, jitter=60)


def test_advisory_key_is_a_stable_signed_64_bit_number() -> None:
    assert advisory_key("acct") == advisory_key("acct") != advisory_key("acct2")
    assert -(2**63) <= advisory_key("acct") < 2**63


# -- against the authorization server -----------------------------------------------------


async def _store_account(
    repo: AccountRepo, server, client, tokens: dict, user: str, *, expires_in: float
) -> str:
    block = {
        "host": "127.0.0.1",
        "port": 993,
        "username": user,
        "oauth2": {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_url": server.token_url,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "expires_at": (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat(),
        },
    }
    now = datetime.now(UTC)
    account = Account.model_validate(
        {
            "id": user.split("@")[0],
            "name": user,
            "email": user,
            "imap": block,
            "smtp": {**block, "port": 465},
            "pop3": {**block, "port": 995},
            "created_at": now,
            "updated_at": now,
        }
    )
    await repo.insert(account)
    return account.id


@pytest.fixture
async def http() -> httpx.AsyncClient:
    async with httpx.AsyncClient() as client:
        yield client


async def test_fifty_requests_at_expiry_cause_exactly_one_refresh(
    any_store: Store, http, oauth_server, oauth_client
) -> None:
    repo = AccountRepo(any_store, SecretBox(KEY))
    user = "exp" + any_store.dialect + "@example.test"
    tokens = authorize(oauth_server, oauth_client, user)
    account_id = await _store_account(
        repo, oauth_server, oauth_client, tokens, user, expires_in=5
    )  # within "ahead": due now
    refresher = TokenRefresher(any_store, repo, http, ahead=10, jitter=5)  # tokens: 30 s
    before = oauth_server.token_calls["refresh_token"]
    protocols = (("imap", "smtp", "pop3") * 17)[:50]
    got = await asyncio.gather(*(refresher.access_token(account_id, p) for p in protocols))
    assert oauth_server.token_calls["refresh_token"] == before + 1
    assert len(set(got)) == 1 and got[0] != tokens["access_token"]
    assert introspect(oauth_server, got[0])["active"] is True
    # The rotated refresh token is stored in every block of the grant; the old one is dead.
    stored = await repo.get(account_id)
    assert stored is not None
    rts = {
        stored.server(p).oauth2.refresh_token.get_secret_value()  # type: ignore[union-attr]
        for p in ("imap", "smtp", "pop3")
    }
    assert len(rts) == 1 and tokens["refresh_token"] not in rts
    # Not due any more: no further call.
    assert await refresher.access_token(account_id, "imap") == got[0]
    assert oauth_server.token_calls["refresh_token"] == before + 1
    assert refresh(oauth_server, oauth_client, tokens["refresh_token"]).json()["error"] == (
        "invalid_grant"
    )


async def test_two_instances_on_postgresql_refresh_once(
    pg_database: str, http, oauth_server, oauth_client
) -> None:
    stores = [Store(pg_database), Store(pg_database)]
    for store in stores:
        await store.open()
    try:
        repos = [AccountRepo(store, SecretBox(KEY)) for store in stores]
        user = "twoinst@example.test"
        tokens = authorize(oauth_server, oauth_client, user)
        account_id = await _store_account(
            repos[0], oauth_server, oauth_client, tokens, user, expires_in=1
        )
        refreshers = [TokenRefresher(s, r, http) for s, r in zip(stores, repos, strict=True)]
        before = oauth_server.token_calls["refresh_token"]
        got = await asyncio.gather(
            *(refreshers[i % 2].access_token(account_id, "imap") for i in range(50))
        )
        assert oauth_server.token_calls["refresh_token"] == before + 1
        assert len(set(got)) == 1
    finally:
        for store in stores:
            await store.close()


async def test_revoked_grant_needs_reauth_and_causes_no_retry_storm(
    any_store: Store, http, oauth_server, oauth_client
) -> None:
    repo = AccountRepo(any_store, SecretBox(KEY))
    user = "rev" + any_store.dialect + "@example.test"
    tokens = authorize(oauth_server, oauth_client, user)
    account_id = await _store_account(repo, oauth_server, oauth_client, tokens, user, expires_in=1)
    assert revoke(oauth_server, oauth_client, tokens["refresh_token"]).status_code == 200
    refresher = TokenRefresher(any_store, repo, http)
    before = oauth_server.token_calls["refresh_token"]
    errors = await asyncio.gather(
        *(refresher.access_token(account_id, "imap") for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(e, OAuth2ReauthRequired) for e in errors), errors
    for _ in range(5):
        with pytest.raises(OAuth2ReauthRequired) as err:
            await refresher.after_auth_failure(account_id, "smtp", tokens["access_token"])
        assert tokens["refresh_token"] not in err.value.detail
    assert oauth_server.token_calls["refresh_token"] == before + 1  # one call, then none


async def test_auth_failure_refreshes_once_and_later_failures_get_the_stored_token(
    any_store: Store, http, oauth_server, oauth_client
) -> None:
    repo = AccountRepo(any_store, SecretBox(KEY))
    user = "fail" + any_store.dialect + "@example.test"
    tokens = authorize(oauth_server, oauth_client, user)
    account_id = await _store_account(
        repo, oauth_server, oauth_client, tokens, user, expires_in=3600
    )  # not due by the clock
    oauth_server.expire(tokens["access_token"])  # but the server no longer takes it
    refresher = TokenRefresher(any_store, repo, http)
    before = oauth_server.token_calls["refresh_token"]
    assert await refresher.access_token(account_id, "imap") == tokens["access_token"]
    new = await asyncio.gather(
        *(
            refresher.after_auth_failure(account_id, "imap", tokens["access_token"])
            for _ in range(10)
        )
    )
    assert len(set(new)) == 1 and introspect(oauth_server, new[0])["active"] is True
    assert oauth_server.token_calls["refresh_token"] == before + 1


async def test_token_lifetime_shorter_than_the_margin_does_not_refresh_every_use(
    any_store: Store, http, oauth_server, oauth_client
) -> None:
    """The server's tokens live 30 s, less than the default 120 s margin."""
    repo = AccountRepo(any_store, SecretBox(KEY))
    user = "short" + any_store.dialect + "@example.test"
    tokens = authorize(oauth_server, oauth_client, user)
    account_id = await _store_account(repo, oauth_server, oauth_client, tokens, user, expires_in=-1)
    refresher = TokenRefresher(any_store, repo, http)  # ahead=120, jitter=60
    before = oauth_server.token_calls["refresh_token"]
    first = await refresher.access_token(account_id, "imap")
    for proto in ("imap", "smtp", "pop3") * 3:
        assert await refresher.access_token(account_id, proto) == first
    assert oauth_server.token_calls["refresh_token"] == before + 1


async def test_token_url_to_a_private_address_is_refused_without_a_request(
    any_store: Store, oauth_server, oauth_client
) -> None:
    """With the webhooks' URL policy, a token_url on a private address (here the loopback
    server itself) gets no request: whoever writes accounts cannot make the gateway POST
    to internal services. Allowed, the same call goes through the pinned transport."""
    repo = AccountRepo(any_store, SecretBox(KEY))
    user = "ssrf" + any_store.dialect + "@example.test"
    tokens = authorize(oauth_server, oauth_client, user)
    account_id = await _store_account(repo, oauth_server, oauth_client, tokens, user, expires_in=-1)
    transport = PinnedTransport(ssl_context=httpx.create_ssl_context(), max_keepalive=2)
    async with httpx.AsyncClient(transport=transport) as pinned:
        before = oauth_server.token_calls["refresh_token"]
        strict = WebhookUrlPolicy(allow_private=False, own_host="127.0.0.1", own_port=1)
        refused = TokenRefresher(any_store, repo, pinned, url_policy=strict)
        with pytest.raises(UpstreamError) as err:
            await refused.access_token(account_id, "imap")
        assert err.value.code == "oauth2_token_url_refused"
        assert oauth_server.token_calls["refresh_token"] == before
        lenient = WebhookUrlPolicy(allow_private=True, own_host="127.0.0.1", own_port=1)
        allowed = TokenRefresher(any_store, repo, pinned, url_policy=lenient)
        assert await allowed.access_token(account_id, "imap") != tokens["access_token"]
        assert oauth_server.token_calls["refresh_token"] == before + 1

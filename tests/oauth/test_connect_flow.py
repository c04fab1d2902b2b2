"""Connecting a mailbox through the consent flow: /v1/oauth2/apps, authorize, the login form
(an HTTP client as the browser) and the callback, against the loopback authorization server
as a ``generic`` provider and Dovecot + Postfix checking its tokens. Then the account lists,
reads, sends and retrieves by POP3 with OAuth2 only; forged and replayed states change
nothing; a revoked grant gives needs_reauth, one account.reauth_required event and a bounded
number of token-endpoint calls, and a new consent brings the account back."""

from __future__ import annotations

import json
import secrets
import sqlite3
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import running_client
from tests.waiting import quiet_for, until

from .helpers import REDIRECT, callback, consent, delivered, generic_app


@pytest.fixture
def registration(oauth_server):
    return oauth_server.register_client(redirect_uri=REDIRECT)


@pytest.fixture
async def gateway(settings):
    settings.oauth2_allow_private_endpoints = True
    settings.watch_enabled = False
    async with running_client(settings) as client:
        yield client


async def connect(
    gateway, oauth_server, registration, oauth_stack, user: str, account: str
) -> tuple[str, httpx.Response]:
    app = await gateway.post(
        "/v1/oauth2/apps", json=generic_app(oauth_server, registration, oauth_stack)
    )
    assert app.status_code == 201, app.text
    app_id = app.json()["id"]
    started = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/authorize", json={"account": account, "login_hint": user}
    )
    assert started.status_code == 200, started.text
    url = started.json()["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    location = consent(url, user)
    return location, await callback(gateway, location)


async def test_connect_flow_then_list_read_send_and_pop3_with_oauth2_only(
    gateway, settings, oauth_server, registration, oauth_stack
) -> None:
    user = oauth_stack.new_user("cf")
    oauth_stack.deliver(user, b"Subject: first\r\nFrom: s@example.test\r\n\r\nhello\r\n")
    location, done = await connect(gateway, oauth_server, registration, oauth_stack, user, "cf1")
    assert done.status_code == 200, done.text
    assert done.json() == {"status": "connected", "account": "cf1", "email": user, "created": True}
    account = (await gateway.get("/v1/accounts/cf1")).json()
    for proto in ("imap", "smtp", "pop3"):
        assert account[proto]["username"] == user

    listing = await gateway.get("/v1/accounts/cf1/mailboxes/INBOX/messages")
    assert listing.status_code == 200, listing.text
    [item] = listing.json()["items"]
    assert item["subject"] == "first"
    read = await gateway.get(f"/v1/accounts/cf1/messages/{item['id']}")
    assert read.status_code == 200 and "hello" in read.text
    sent = await gateway.post(
        "/v1/accounts/cf1/send", json={"to": [user], "subject": "via oauth", "text": "hi"}
    )
    assert sent.status_code == 200, sent.text
    assert await delivered(oauth_stack, user, at_least=2) == 2
    pop = (await gateway.get("/v1/accounts/cf1/pop3/messages")).json()
    assert len(pop["items"]) == 2

    # Secrets never in answers, nor in the database file in clear.
    with oauth_server.lock:
        grants = [
            t
            for t in oauth_server.by_access.values()
            if t.user is not None and t.user.username == user
        ]
    secrets_ = (
        [registration.client_secret]
        + [t.access_token for t in grants]
        + [t.refresh_token for t in grants if t.refresh_token]
    )
    apps = await gateway.get("/v1/oauth2/apps")
    answers = apps.text + json.dumps(account) + done.text
    stored = b"".join(p.read_bytes() for p in settings.sqlite_path().parent.glob("gateway.db*"))
    for secret in secrets_:
        assert secret not in answers
        assert secret.encode() not in stored


async def test_forged_and_replayed_state_change_nothing(
    gateway, settings, oauth_server, registration, oauth_stack
) -> None:
    user = oauth_stack.new_user("cf")
    location, done = await connect(gateway, oauth_server, registration, oauth_stack, user, "cf2")
    assert done.status_code == 200, done.text
    before = (await gateway.get("/v1/accounts/cf2")).json()
    exchanges = oauth_server.token_calls["authorization_code"]

    replayed = await callback(gateway, location)
    assert replayed.status_code == 410 and replayed.json()["code"] == "oauth2_state_used"
    code = parse_qs(urlsplit(location).query)["code"][0]
    forged = await callback(gateway, f"{REDIRECT}?code={code}&state={secrets.token_urlsafe(32)}")
    assert forged.status_code == 400 and forged.json()["code"] == "oauth2_state_invalid"
    missing = await callback(gateway, f"{REDIRECT}?code={code}")
    assert missing.status_code == 400

    assert oauth_server.token_calls["authorization_code"] == exchanges
    assert (await gateway.get("/v1/accounts/cf2")).json() == before
    assert [a["id"] for a in (await gateway.get("/v1/accounts")).json()["items"]] == ["cf2"]


async def test_app_secret_is_never_returned_and_limited_tokens_get_403(
    gateway, oauth_server, registration, oauth_stack
) -> None:
    body = generic_app(oauth_server, registration, oauth_stack)
    created = await gateway.post("/v1/oauth2/apps", json=body)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    for reply in (
        created,
        await gateway.get(f"/v1/oauth2/apps/{app_id}"),
        await gateway.get("/v1/oauth2/apps"),
    ):
        assert registration.client_secret not in reply.text
    limited = await gateway.post(
        "/v1/tokens", json={"description": "t", "scopes": ["admin"], "accounts": ["someone"]}
    )
    assert limited.status_code == 201, limited.text
    headers = {"Authorization": f"Bearer {limited.json()['token']}"}
    assert (await gateway.get("/v1/oauth2/apps", headers=headers)).status_code == 403
    other = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/authorize", headers=headers, json={"account": "not-mine"}
    )
    assert other.status_code == 404
    assert (await gateway.delete(f"/v1/oauth2/apps/{app_id}")).status_code == 204
    assert (await gateway.get(f"/v1/oauth2/apps/{app_id}")).status_code == 404


def reauth_events(settings, account: str) -> list[dict]:
    with sqlite3.connect(settings.sqlite_path()) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE type = ? AND account_id = ?",
            ("account.reauth_required", account),
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


async def test_revoked_grant_needs_reauth_one_event_and_recovers_after_new_consent(
    gateway, settings, oauth_server, registration, oauth_stack
) -> None:
    user = oauth_stack.new_user("cf")
    _location, done = await connect(gateway, oauth_server, registration, oauth_stack, user, "cf3")
    assert done.status_code == 200, done.text
    assert (await gateway.get("/v1/accounts/cf3/mailboxes/INBOX/messages")).status_code == 200
    with oauth_server.lock:
        for grant in oauth_server.by_access.values():
            if grant.user is not None and grant.user.username == user:
                grant.access_revoked = grant.refresh_revoked = True  # consent withdrawn
    refreshes = oauth_server.token_calls["refresh_token"]

    # Fresh logins (a session logged in before stays logged in at the server).
    for _ in range(5):
        refused = (await gateway.post("/v1/accounts/cf3/verify")).json()
        assert refused["ok"] is False
        for proto in ("imap", "smtp", "pop3"):
            assert refused[proto]["detail"].startswith("oauth2_reauth_required"), refused
    status = (await gateway.get("/v1/accounts/cf3/status")).json()
    assert status["imap"]["state"] == "needs_reauth", status
    # One refresh tried, then no storm: the refused refresh token is not sent again.
    assert oauth_server.token_calls["refresh_token"] - refreshes == 1
    [event] = await until(
        lambda: reauth_events(settings, "cf3"), within=10, what="account.reauth_required"
    )
    await quiet_for()
    assert len(reauth_events(settings, "cf3")) == 1
    assert event["authorize_url"].startswith(oauth_server.authorize_url + "?")

    back = await callback(gateway, consent(event["authorize_url"], user))
    assert back.status_code == 200, back.text
    assert back.json()["created"] is False
    listing = await gateway.get("/v1/accounts/cf3/mailboxes/INBOX/messages")
    assert listing.status_code == 200, listing.text
    status = (await gateway.get("/v1/accounts/cf3/status")).json()
    assert status["imap"]["state"] == "connected", status


async def test_expired_state_changes_nothing(
    gateway, monkeypatch, oauth_server, registration, oauth_stack
) -> None:
    monkeypatch.setattr("gateway.oauth2.connect.STATE_TTL", -1.0)  # issued already expired
    user = oauth_stack.new_user("cf")
    exchanges = oauth_server.token_calls["authorization_code"]
    _location, done = await connect(gateway, oauth_server, registration, oauth_stack, user, "cf4")
    assert done.status_code == 410, done.text
    assert done.json()["code"] == "oauth2_state_expired"
    assert oauth_server.token_calls["authorization_code"] == exchanges
    assert (await gateway.get("/v1/accounts/cf4")).status_code == 404

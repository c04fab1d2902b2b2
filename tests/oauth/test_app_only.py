"""App-only access (client credentials) to shared mailboxes, as with Microsoft 365: the
gateway connects a mailbox with the app's own credentials, without anyone's consent, and
lists, reads, sends and retrieves by POP3 as that mailbox; its tokens are renewed ahead of
expiry by new client credentials requests; a refused client credential gives needs_reauth,
one account.reauth_required event and no retry storm. Against the loopback authorization
server (the client credentials grant, RFC 6749 section 4.4) as a ``generic`` provider, and
Dovecot + Postfix that accept an app's token only for the mailboxes it was granted
(tests/oauth/app_only.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator

import pytest

from tests.conftest import running_client
from tests.mailstack import MailStack
from tests.waiting import quiet_for, until

from .app_only import app_only_stack, grant_mailbox
from .helpers import delivered, generic_app
from .server import Client, OAuthServer

TTL = 8  # seconds an access token lives (4 s was flaky on a loaded 2-core machine: see the note)


@pytest.fixture(scope="module")
def app_server() -> Iterator[OAuthServer]:
    with OAuthServer(access_token_ttl=TTL) as server:
        yield server


@pytest.fixture(scope="module")
def app_stack(app_server: OAuthServer) -> Iterator[MailStack]:
    with app_only_stack(app_server, "mailgate-apponly-") as stack:
        yield stack


@pytest.fixture
def registration(app_server: OAuthServer) -> Client:
    """The app at the authorization server: client credentials only (no user ever)."""
    return app_server.register_client(grant_types=("client_credentials",))


@pytest.fixture
async def gateway(settings):
    settings.oauth2_allow_private_endpoints = True
    settings.watch_enabled = False
    async with running_client(settings) as client:
        yield client


async def create_app(gateway, server: OAuthServer, registration: Client, stack: MailStack) -> str:
    app = await gateway.post("/v1/oauth2/apps", json=generic_app(server, registration, stack))
    assert app.status_code == 201, app.text
    return app.json()["id"]


def reauth_events(settings, account: str) -> list[dict]:
    with sqlite3.connect(settings.sqlite_path()) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE type = ? AND account_id = ?",
            ("account.reauth_required", account),
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


async def test_shared_mailbox_lists_reads_sends_and_pops_with_the_apps_token(
    gateway, settings, app_server, app_stack, registration
) -> None:
    shared = app_stack.new_user("shared")
    grant_mailbox(app_stack, registration.client_id, shared)
    app_stack.deliver(shared, b"Subject: for the team\r\nFrom: s@example.test\r\n\r\nhi\r\n")
    app_id = await create_app(gateway, app_server, registration, app_stack)
    calls = app_server.token_calls["client_credentials"]

    done = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/accounts",
        json={"account": "team", "mailbox": shared, "name": "Team"},
    )
    assert done.status_code == 200, done.text
    assert done.json() == {
        "status": "connected",
        "account": "team",
        "email": shared,
        "created": True,
    }
    assert app_server.token_calls["client_credentials"] == calls + 1  # the first token
    account = (await gateway.get("/v1/accounts/team")).json()
    assert account["name"] == "Team"
    for proto in ("imap", "smtp", "pop3"):
        assert account[proto]["username"] == shared
        assert account[proto]["oauth2"] is True
        assert account[proto]["oauth2_grant"] == "client_credentials"
    assert "access_token" not in json.dumps(
        account
    ) and registration.client_secret not in json.dumps(account)

    verify = (await gateway.post("/v1/accounts/team/verify")).json()
    assert verify["ok"] is True, verify
    listing = await gateway.get("/v1/accounts/team/mailboxes/INBOX/messages")
    assert listing.status_code == 200, listing.text
    [item] = listing.json()["items"]
    read = await gateway.get(f"/v1/accounts/team/messages/{item['id']}")
    assert read.status_code == 200 and read.json()["subject"] == "for the team"
    sent = await gateway.post(
        "/v1/accounts/team/send", json={"to": [shared], "subject": "from the app", "text": "x"}
    )
    assert sent.status_code == 200, sent.text
    assert await delivered(app_stack, shared, at_least=2) == 2
    pop = await gateway.get("/v1/accounts/team/pop3/messages")
    assert pop.status_code == 200 and len(pop.json()["items"]) == 2
    # App-only: never a refresh token, never a user.
    assert app_server.token_calls["refresh_token"] == 0
    assert app_server.token_errors == {}

    # Connecting again updates the same account (a new token, same mailbox).
    again = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/accounts", json={"account": "team", "mailbox": shared}
    )
    assert again.status_code == 200 and again.json()["created"] is False
    other = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/accounts",
        json={"account": "team", "mailbox": app_stack.new_user("x")},
    )
    assert other.status_code == 409 and other.json()["code"] == "oauth2_mailbox_mismatch"


async def test_the_server_refuses_a_mailbox_the_app_was_not_granted(
    gateway, app_server, app_stack, registration
) -> None:
    granted, not_granted = app_stack.new_user("ok"), app_stack.new_user("no")
    grant_mailbox(app_stack, registration.client_id, granted)
    app_id = await create_app(gateway, app_server, registration, app_stack)
    for account, mailbox in (("granted", granted), ("nogrant", not_granted)):
        done = await gateway.post(
            f"/v1/oauth2/apps/{app_id}/accounts", json={"account": account, "mailbox": mailbox}
        )
        assert done.status_code == 200, done.text
    assert (await gateway.post("/v1/accounts/granted/verify")).json()["ok"] is True
    refused = (await gateway.post("/v1/accounts/nogrant/verify")).json()
    assert refused["ok"] is False
    for proto in ("imap", "smtp", "pop3"):
        assert refused[proto]["ok"] is False
        assert refused[proto]["detail"].startswith("auth_failed"), refused


async def test_app_only_tokens_are_renewed_ahead_of_expiry_with_no_failed_request(
    gateway, app_server, app_stack, registration
) -> None:
    shared = app_stack.new_user("renew")
    grant_mailbox(app_stack, registration.client_id, shared)
    app_id = await create_app(gateway, app_server, registration, app_stack)
    done = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/accounts", json={"account": "renew", "mailbox": shared}
    )
    assert done.status_code == 200, done.text
    first = app_server.token_calls["client_credentials"]
    failures: list[str] = []
    requests = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3 * TTL + 1
    while loop.time() < deadline:
        for method, path in (
            ("POST", "/v1/accounts/renew/verify"),
            ("GET", "/v1/accounts/renew/mailboxes/INBOX/messages"),
            ("GET", "/v1/accounts/renew/pop3/messages"),
        ):
            reply = await gateway.request(method, path)
            requests += 1
            if reply.status_code != 200 or (
                path.endswith("/verify") and reply.json()["ok"] is not True
            ):
                failures.append(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        await asyncio.sleep(0.5)  # scenario: a steady client, not a busy loop
    assert failures == [] and requests >= 15
    # At least three expiries, each bridged by a new client credentials request ahead of
    # it; a token this short-lived is renewed with at most 3/4 of its life used (every
    # 1.5 s at worst), never per request.
    renewals = app_server.token_calls["client_credentials"] - first
    assert 3 <= renewals <= (3 * TTL + 1) / 1.5 + 1, renewals
    assert renewals < requests / 3, (renewals, requests)
    assert app_server.token_calls["refresh_token"] == 0 and app_server.token_errors == {}


async def test_refused_client_credentials_need_reauth_with_one_event_and_no_storm(
    gateway, settings, app_server, app_stack, registration
) -> None:
    shared = app_stack.new_user("rot")
    grant_mailbox(app_stack, registration.client_id, shared)
    app_id = await create_app(gateway, app_server, registration, app_stack)
    done = await gateway.post(
        f"/v1/oauth2/apps/{app_id}/accounts", json={"account": "rot", "mailbox": shared}
    )
    assert done.status_code == 200, done.text
    assert (await gateway.post("/v1/accounts/rot/verify")).json()["ok"] is True
    # The app's secret is replaced at the provider (Microsoft: AADSTS7000215 / 7000222 for
    # the old one) and the current token stops working.
    old_secret = registration.client_secret
    with app_server.lock:
        registration.client_secret = "rotated-" + old_secret
        for token in app_server.by_access.values():
            if token.client_id == registration.client_id:
                token.access_revoked = True
    calls = app_server.token_calls["client_credentials"]

    for _ in range(5):
        refused = (await gateway.post("/v1/accounts/rot/verify")).json()
        assert refused["ok"] is False
        for proto in ("imap", "smtp", "pop3"):
            assert refused[proto]["detail"].startswith("oauth2_reauth_required"), refused
            assert old_secret not in refused[proto]["detail"]
    listing = await gateway.get("/v1/accounts/rot/mailboxes/INBOX/messages")
    assert listing.status_code == 502 and listing.json()["code"] == "oauth2_reauth_required"
    status = (await gateway.get("/v1/accounts/rot/status")).json()
    assert status["imap"]["state"] == "needs_reauth", status
    # One request with the refused credentials, then none: no storm.
    assert app_server.token_calls["client_credentials"] - calls == 1
    assert app_server.token_errors["invalid_client"] == 1
    [event] = await until(
        lambda: reauth_events(settings, "rot"), within=10, what="account.reauth_required"
    )
    await quiet_for()
    assert len(reauth_events(settings, "rot")) == 1
    assert event == {"authorize_url": None, "app": app_id, "grant": "client_credentials"}

    # The admin registers the new secret (a new app) and connects the mailbox again.
    fixed = generic_app(app_server, registration, app_stack)
    new_app = await gateway.post("/v1/oauth2/apps", json=fixed)
    assert new_app.status_code == 201, new_app.text
    back = await gateway.post(
        f"/v1/oauth2/apps/{new_app.json()['id']}/accounts",
        json={"account": "rot", "mailbox": shared},
    )
    assert back.status_code == 200 and back.json()["created"] is False
    assert (await gateway.post("/v1/accounts/rot/verify")).json()["ok"] is True
    status = (await gateway.get("/v1/accounts/rot/status")).json()
    assert status["imap"]["state"] == "connected", status


async def test_a_wrong_secret_at_connect_creates_nothing(
    gateway, app_server, app_stack, registration
) -> None:
    wrong = {**generic_app(app_server, registration, app_stack), "client_secret": "nope"}
    app = await gateway.post("/v1/oauth2/apps", json=wrong)
    assert app.status_code == 201, app.text
    refused = await gateway.post(
        f"/v1/oauth2/apps/{app.json()['id']}/accounts",
        json={"account": "never", "mailbox": "a@example.test"},
    )
    assert refused.status_code == 502 and refused.json()["code"] == "oauth2_client_refused"
    assert "invalid_client" in refused.json()["detail"] and "nope" not in refused.text
    assert (await gateway.get("/v1/accounts/never")).status_code == 404


async def test_providers_without_app_only_access_are_refused_before_any_call(gateway) -> None:
    base = {
        "name": "x",
        "client_id": "cid",
        "client_secret": "s",
        "redirect_url": "https://gw.example/v1/oauth2/callback",
    }
    for extra in (
        {"provider": "google"},
        {"provider": "microsoft"},
        {"provider": "microsoft", "tenant": "common"},
    ):
        app = await gateway.post("/v1/oauth2/apps", json={**base, **extra})
        assert app.status_code == 201, app.text
        refused = await gateway.post(
            f"/v1/oauth2/apps/{app.json()['id']}/accounts",
            json={"account": "s1", "mailbox": "s@example.com"},
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "oauth2_app_only_unsupported"
    missing = await gateway.post(
        "/v1/oauth2/apps/oa_nope/accounts", json={"account": "s1", "mailbox": "s@example.com"}
    )
    assert missing.status_code == 404


async def test_a_token_limited_to_accounts_cannot_connect_with_the_apps_credentials(
    gateway,
) -> None:
    token = await gateway.post(
        "/v1/tokens", json={"description": "t", "scopes": ["admin"], "accounts": ["team"]}
    )
    assert token.status_code == 201, token.text
    refused = await gateway.post(
        "/v1/oauth2/apps/oa_x/accounts",
        json={"account": "team", "mailbox": "s@example.com"},
        headers={"Authorization": f"Bearer {token.json()['token']}"},
    )
    assert refused.status_code == 403

"""An account whose IMAP, POP3 and SMTP blocks carry an OAuth2 access token (no password),
driven through the HTTP API against Dovecot and Postfix that check the token at the
loopback authorization server."""

from __future__ import annotations

import httpx

from tests.conftest import server_block

from .flow import authorize, revoke
from .helpers import delivered


def oauth_spec(stack, user: str, token: str) -> dict:
    spec: dict = {"id": user.split("@")[0], "name": f"OAuth {user}", "email": user}
    for proto in ("imap", "smtp", "pop3"):
        block = server_block(stack, user, proto, security="starttls")
        del block["password"]
        spec[proto] = {**block, "oauth2": {"access_token": token}}
    return spec


async def test_oauth2_account_verifies_lists_retrieves_and_sends(
    client: httpx.AsyncClient, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("oa")
    token = authorize(oauth_server, oauth_client, user)["access_token"]
    oauth_stack.deliver(user, b"Subject: first\r\nFrom: s@example.test\r\n\r\nhello\r\n")
    created = await client.post("/v1/accounts", json=oauth_spec(oauth_stack, user, token))
    assert created.status_code == 201, created.text
    acc = created.json()["id"]
    assert token not in created.text

    verify = (await client.post(f"/v1/accounts/{acc}/verify")).json()
    assert verify["ok"] is True, verify

    listing = await client.get(f"/v1/accounts/{acc}/mailboxes/INBOX/messages")
    assert listing.status_code == 200, listing.text
    assert [m["subject"] for m in listing.json()["items"]] == ["first"]

    pop = (await client.get(f"/v1/accounts/{acc}/pop3/messages")).json()
    uidl = pop["items"][0]["uidl"]
    item = await client.get(f"/v1/accounts/{acc}/pop3/messages/{uidl}")
    assert item.status_code == 200 and item.json()["subject"] == "first"

    sent = await client.post(
        f"/v1/accounts/{acc}/send", json={"to": [user], "subject": "sent with oauth", "text": "hi"}
    )
    assert sent.status_code == 200, sent.text
    assert await delivered(oauth_stack, user, at_least=2) == 2


async def test_oauth2_account_with_revoked_token_is_auth_failed_with_the_servers_error(
    client: httpx.AsyncClient, oauth_server, oauth_client, oauth_stack
) -> None:
    user = oauth_stack.new_user("oa")
    tokens = authorize(oauth_server, oauth_client, user)
    token = tokens["access_token"]
    assert revoke(oauth_server, oauth_client, tokens["refresh_token"]).status_code == 200
    created = await client.post("/v1/accounts", json=oauth_spec(oauth_stack, user, token))
    acc = created.json()["id"]
    verify = await client.post(f"/v1/accounts/{acc}/verify")
    body = verify.json()
    assert body["ok"] is False
    for proto in ("imap", "smtp", "pop3"):
        assert body[proto]["detail"].startswith("auth_failed"), body
        assert "invalid_token" in body[proto]["detail"], body  # the server's word, reported
    assert token not in verify.text
    listing = await client.get(f"/v1/accounts/{acc}/mailboxes/INBOX/messages")
    assert listing.json()["code"] == "auth_failed" and token not in listing.text

"""POST /verify logs in to the real Dovecot and Postfix: STARTTLS, implicit TLS, failures."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from tests.conftest import account_spec, server_block


async def create(client: httpx.AsyncClient, spec: dict) -> str:
    resp = await client.post("/v1/accounts", json=spec)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_verify_ok_for_every_protocol(client, mailstack, security: str) -> None:
    user = mailstack.new_user("v")
    account_id = await create(client, account_spec(mailstack, user, security=security))
    resp = await client.post(f"/v1/accounts/{account_id}/verify")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["ok"] is True, body
    for proto in ("imap", "smtp", "pop3"):
        assert body[proto]["ok"] is True, body

    status = (await client.get(f"/v1/accounts/{account_id}/status")).json()
    for proto in ("imap", "smtp", "pop3"):
        assert status[proto]["state"] in {"connected", "disconnected"}, status
        assert status[proto]["last_error"] is None


async def test_verify_wrong_password_is_auth_failed_quickly(client, mailstack, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    user = mailstack.new_user("v")
    spec = account_spec(mailstack, user)
    for proto in ("imap", "smtp", "pop3"):
        spec[proto]["password"] = "wrong-password"
    account_id = await create(client, spec)
    started = time.monotonic()
    resp = await client.post(f"/v1/accounts/{account_id}/verify")
    elapsed = time.monotonic() - started
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["ok"] is False
    for proto in ("imap", "smtp", "pop3"):
        assert body[proto]["ok"] is False
        assert body[proto]["detail"].startswith("auth_failed"), body
        assert "wrong-password" not in body[proto]["detail"]
    assert elapsed < 10  # the configured timeouts bound it: no hang
    status = (await client.get(f"/v1/accounts/{account_id}/status")).json()
    assert {status[p]["state"] for p in ("imap", "smtp", "pop3")} == {"auth_failed"}
    assert "wrong-password" not in str(status)
    # The password tried never reaches the logs.
    assert caplog.records, "the failed logins should have been logged"
    assert "wrong-password" not in caplog.text


async def test_verify_unreachable_server_reports_unavailable(client, mailstack) -> None:
    user = mailstack.new_user("v")
    spec = {
        "id": "down",
        "name": "Down",
        "email": user,
        "imap": {**server_block(mailstack, user, "imap"), "port": 9},
        "pop3": {**server_block(mailstack, user, "pop3"), "port": 9},
    }
    await create(client, spec)
    body = (await client.post("/v1/accounts/down/verify")).json()
    assert body["ok"] is False and body["smtp"] is None
    for proto in ("imap", "pop3"):
        assert body[proto]["ok"] is False
        assert "unavailable" in body[proto]["detail"], body


async def test_verify_checks_the_certificate(client, mailstack) -> None:
    user = mailstack.new_user("v")
    untrusted = account_spec(mailstack, user, security="tls", id="untrusted")
    for proto in ("imap", "smtp", "pop3"):
        untrusted[proto].pop("ca_file")  # the test CA is not in the system store
    await create(client, untrusted)
    body = (await client.post("/v1/accounts/untrusted/verify")).json()
    for proto in ("imap", "smtp", "pop3"):
        assert body[proto]["ok"] is False, body
        assert "certificate" in body[proto]["detail"].lower(), body

    opted_out = account_spec(mailstack, user, security="starttls", id="opted-out")
    for proto in ("imap", "smtp", "pop3"):
        opted_out[proto].pop("ca_file")
        opted_out[proto]["tls_verify"] = False
    await create(client, opted_out)
    body = (await client.post("/v1/accounts/opted-out/verify")).json()
    assert body["ok"] is True, body

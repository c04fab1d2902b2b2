"""Continuous use of an account connected through the consent flow across at least five
access-token expiries (tokens live 6 s here) with no failed request: logins on fresh
connections (verify), listings, POP3 and sends keep working while the gateway refreshes
the tokens ahead of expiry, and the token from the code exchange is not refreshed at once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import running_client
from tests.mailstack import MailStack, make_stack_dir, start_mailstack

from .helpers import REDIRECT, callback, consent, delivered, generic_app
from .server import OAuthServer

TTL = 6  # seconds an access token lives


@pytest.fixture(scope="module")
def short_server() -> Iterator[OAuthServer]:
    with OAuthServer(access_token_ttl=TTL) as server:
        yield server


@pytest.fixture(scope="module")
def short_stack(short_server: OAuthServer) -> Iterator[MailStack]:
    directory = make_stack_dir("mailgate-oauth-short-")
    rs = short_server.resource_server
    stack = start_mailstack(
        directory,
        oauth2_introspection_url=short_server.introspection_url,
        oauth2_client_id=rs.client_id,
        oauth2_client_secret=rs.client_secret,
    )
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(directory, ignore_errors=True)


async def test_continuous_use_across_five_token_expiries_has_no_failed_request(
    settings, short_server, short_stack
) -> None:
    settings.oauth2_allow_private_endpoints = True
    settings.watch_enabled = False
    registration = short_server.register_client(redirect_uri=REDIRECT)
    user = short_stack.new_user("ex")
    async with running_client(settings) as gateway:
        app = await gateway.post(
            "/v1/oauth2/apps", json=generic_app(short_server, registration, short_stack)
        )
        assert app.status_code == 201, app.text
        started = await gateway.post(
            f"/v1/oauth2/apps/{app.json()['id']}/authorize", json={"account": "ex1"}
        )
        done = await callback(gateway, consent(started.json()["url"], user))
        assert done.status_code == 200, done.text
        # The exchanged token is used as it is (no refresh at first use).
        verify = (await gateway.post("/v1/accounts/ex1/verify")).json()
        assert verify["ok"] is True, verify
        assert short_server.token_calls["refresh_token"] == 0

        failures: list[str] = []
        requests = sends = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5 * TTL + 3
        while loop.time() < deadline:
            for method, path, body in (
                ("POST", "/v1/accounts/ex1/verify", None),
                ("GET", "/v1/accounts/ex1/mailboxes/INBOX/messages", None),
                ("GET", "/v1/accounts/ex1/pop3/messages", None),
                (
                    "POST",
                    "/v1/accounts/ex1/send",
                    {"to": [user], "subject": f"n{sends}", "text": "hi"},
                ),
            ):
                reply = await gateway.request(method, path, json=body)
                requests += 1
                ok = reply.status_code == 200 and (
                    not path.endswith("/verify") or reply.json()["ok"] is True
                )
                if not ok:
                    failures.append(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
                if path.endswith("/send"):
                    sends += 1
            await asyncio.sleep(0.5)  # scenario: a steady client, not a busy loop
    assert failures == []
    assert requests >= 20
    # At least five expiries passed, each bridged by a refresh; no refresh storm.
    refreshes = short_server.token_calls["refresh_token"]
    assert 5 <= refreshes <= 5 * TTL, refreshes
    assert short_server.token_errors == {}
    assert await delivered(short_stack, user, at_least=sends) == sends

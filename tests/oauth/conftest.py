"""An OAuth 2.0 authorization server and a mail stack that checks tokens with it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.mailstack import MailStack, make_stack_dir, start_mailstack

from .server import Client, OAuthServer


@pytest.fixture(scope="session")
def oauth_server() -> Iterator[OAuthServer]:
    """The authorization server on 127.0.0.1 (30 s access tokens)."""
    with OAuthServer(access_token_ttl=30) as server:
        yield server


@pytest.fixture(scope="session")
def oauth_stack(oauth_server: OAuthServer) -> Iterator[MailStack]:
    """A private Dovecot + Postfix whose XOAUTH2/OAUTHBEARER logins Dovecot checks at the
    server's introspection endpoint (the session's shared stack stays password-only)."""
    directory = make_stack_dir("mailgate-oauth-")
    rs = oauth_server.resource_server
    stack = start_mailstack(
        directory,
        oauth2_introspection_url=oauth_server.introspection_url,
        oauth2_client_id=rs.client_id,
        oauth2_client_secret=rs.client_secret,
    )
    try:
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def oauth_client(oauth_server: OAuthServer) -> Client:
    """The gateway's registration at the authorization server."""
    return oauth_server.register_client()

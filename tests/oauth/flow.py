"""The browser's and the client's side of the authorization code flow, with httpx (tests).

``authorize`` does what a user and an app do: open the authorize URL, fill in the login
form, follow the redirect to the callback and exchange the code (with the PKCE verifier)
at the token endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from .server import Client, OAuthServer, authorize_query


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636 section 4.1-4.2."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def login(
    server: OAuthServer,
    client: Client,
    user: str,
    *,
    code_challenge: str,
    state: str,
    password: str = "secret",
) -> httpx.Response:
    """Open the authorize URL and submit the login form; returns the final response
    (a 302 to the client's redirect URI when the login succeeded)."""
    with httpx.Client(follow_redirects=False, timeout=10) as http:
        page = http.get(
            f"{server.authorize_url}?"
            + authorize_query(client, state=state, code_challenge=code_challenge)
        )
        page.raise_for_status()
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None, page.text
        return http.post(
            urljoin(server.url, unescape(action.group(1))),
            data={"username": user, "password": password},
        )


def authorize(server: OAuthServer, client: Client, user: str) -> dict:
    """The whole flow for ``user``; returns the token response (access and refresh token)."""
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    redirect = login(server, client, user, code_challenge=challenge, state=state)
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query["state"] == [state]
    return exchange(server, client, query["code"][0], verifier)


def exchange(server: OAuthServer, client: Client, code: str, verifier: str) -> dict:
    reply = httpx.post(
        server.token_url,
        timeout=10,
        auth=(client.client_id, client.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uris[0],
            "code_verifier": verifier,
        },
    )
    reply.raise_for_status()
    return reply.json()


def refresh(server: OAuthServer, client: Client, refresh_token: str) -> httpx.Response:
    return httpx.post(
        server.token_url,
        timeout=10,
        auth=(client.client_id, client.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )


def introspect(server: OAuthServer, token: str) -> dict:
    """Introspect as Dovecot does (client credentials as form fields)."""
    rs = server.resource_server
    reply = httpx.post(
        server.introspection_url,
        timeout=10,
        data={"token": token, "client_id": rs.client_id, "client_secret": rs.client_secret},
    )
    reply.raise_for_status()
    return reply.json()


def revoke(server: OAuthServer, client: Client, token: str) -> httpx.Response:
    return httpx.post(
        server.revocation_url,
        timeout=10,
        auth=(client.client_id, client.client_secret),
        data={"token": token},
    )

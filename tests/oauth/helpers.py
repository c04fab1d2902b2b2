"""Helpers shared by the tests/oauth modules."""

from __future__ import annotations

import asyncio
import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import httpx


async def delivered(stack, user: str, *, at_least: int = 1, within: float = 30) -> int:
    """The user's message count once ``at_least`` messages are there (polled, bounded by
    ``within``; fewer when the time ran out)."""
    for _ in range(int(within / 0.05)):
        if (count := stack.maildir_count(user)) >= at_least:
            return count
        await asyncio.sleep(0.05)
    return stack.maildir_count(user)


REDIRECT = "http://gateway.test/v1/oauth2/callback"


def consent(url: str, user: str, password: str = "secret") -> str:
    """The browser: open the authorize URL, submit the login form; the redirect's URL."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None, page.text
        done = browser.post(
            urljoin(url, unescape(action.group(1))), data={"username": user, "password": password}
        )
    assert done.status_code == 302, done.text
    location = done.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return location


async def callback(
    client: httpx.AsyncClient, location: str, *, json_: bool = True
) -> httpx.Response:
    """Follow the provider's redirect to the gateway without any bearer token."""
    request = client.build_request(
        "GET",
        urlsplit(location).path + "?" + urlsplit(location).query,
        headers={"Accept": "application/json"} if json_ else {},
    )
    del request.headers["authorization"]
    return await client.send(request)


def generic_app(server, registration, stack) -> dict:
    servers = {
        "imap": {"host": stack.host, "port": stack.imap, "security": "starttls"},
        "smtp": {"host": stack.host, "port": stack.submission, "security": "starttls"},
        "pop3": {"host": stack.host, "port": stack.pop3, "security": "starttls"},
    }
    return {
        "provider": "generic",
        "name": "test provider",
        "client_id": registration.client_id,
        "client_secret": registration.client_secret,
        "scopes": ["mail"],
        "redirect_url": REDIRECT,
        "authorization_url": server.authorize_url,
        "token_url": server.token_url,
        "userinfo_url": server.userinfo_url,
        "servers": servers,
        "ca_file": str(stack.cert),
    }

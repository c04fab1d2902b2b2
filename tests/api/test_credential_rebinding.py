"""A PATCH may not send a stored password somewhere else (issue #10, credential re-binding).

An admin token limited to one account points the account's IMAP server at a listener of
the test (a plain TCP server that answers like an IMAP server and records every byte):
without the password that is refused, and the listener never sees the stored password.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import account_spec, server_block
from tests.mailstack import MailStack

DECOY = "decoy-Pa55-given-again"


class RecordingImapListener:
    """Greets like an IMAP server, answers CAPABILITY, refuses every login; keeps the bytes."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] listener ready\r\n")
        try:
            while line := await reader.readline():
                self.received += line
                if line.rstrip().endswith(b"}"):  # a literal follows: let it come
                    writer.write(b"+ go on\r\n")
                    await writer.drain()
                    continue
                tag, _, rest = line.partition(b" ")
                if rest.upper().startswith(b"CAPABILITY"):
                    writer.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
                elif rest.upper().startswith(b"LOGOUT"):
                    writer.write(b"* BYE\r\n" + tag + b" OK bye\r\n")
                else:
                    writer.write(tag + b" NO [AUTHENTICATIONFAILED] no\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[RecordingImapListener]:
    server = RecordingImapListener()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def limited_admin(client: httpx.AsyncClient, account_id: str) -> dict[str, str]:
    resp = await client.post(
        "/v1/tokens",
        json={"description": "admin of one account", "scopes": ["admin"], "accounts": [account_id]},
    )
    assert resp.status_code == 201, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def without_password(block: dict) -> dict:
    return {k: v for k, v in block.items() if k != "password"}


async def test_patch_host_without_password_is_refused(
    client: httpx.AsyncClient, mailstack: MailStack, listener: RecordingImapListener
) -> None:
    user = mailstack.new_user("cr")
    spec = account_spec(mailstack, user)
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    account_id = spec["id"]
    url = f"/v1/accounts/{account_id}"
    auth = await limited_admin(client, account_id)
    before = (await client.get(url)).json()

    moved = {"host": "127.0.0.1", "port": listener.port, "security": "none", "username": user}
    resp = await client.patch(url, json={"imap": moved}, headers=auth)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["code"] == "credentials_required"
    assert "password" in body["detail"] and "port" in body["detail"]  # says what to do
    assert mailstack.password not in resp.text

    after = (await client.get(url)).json()
    assert after == before  # nothing stored changed
    verify = await client.post(f"{url}/verify", headers=auth)
    assert verify.status_code == 200 and verify.json()["imap"]["ok"] is True, verify.text
    assert listener.connections == 0
    assert mailstack.password.encode() not in listener.received

    # With the password given again the change is the caller's own: it goes through, and the
    # listener receives that password (the check above would have seen a leak).
    resp = await client.patch(url, json={"imap": {**moved, "password": DECOY}}, headers=auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["imap"]["port"] == listener.port
    verify = await client.post(f"{url}/verify", headers=auth)
    assert verify.status_code == 200 and verify.json()["imap"]["ok"] is False
    assert DECOY.encode() in listener.received
    assert mailstack.password.encode() not in listener.received


async def test_patch_that_keeps_server_and_user_keeps_the_password(
    client: httpx.AsyncClient, mailstack: MailStack
) -> None:
    user = mailstack.new_user("cr")
    spec = account_spec(mailstack, user)
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    url = f"/v1/accounts/{spec['id']}"
    auth = await limited_admin(client, spec["id"])

    resp = await client.patch(url, json={"name": "Renamed"}, headers=auth)
    assert resp.status_code == 200 and resp.json()["name"] == "Renamed", resp.text
    same = {p: without_password(spec[p]) for p in ("imap", "smtp", "pop3")}
    same["imap"]["host"] = same["imap"]["host"].upper()  # host names compare without case
    resp = await client.patch(url, json=same, headers=auth)
    assert resp.status_code == 200, resp.text
    assert all(resp.json()[p]["has_password"] for p in ("imap", "smtp", "pop3"))
    verify = (await client.post(f"{url}/verify", headers=auth)).json()
    assert verify["ok"] is True, verify  # the stored password was kept and still logs in


@pytest.mark.parametrize(
    ("protocol", "change"),
    [
        ("imap", {"port": 1}),
        ("smtp", {"security": "tls"}),
        ("pop3", {"username": "someone-else@example.test"}),
        ("imap", {"tls_verify": False}),
        ("smtp", {"ca_file": "/tmp/attacker-ca.pem"}),
        ("pop3", {"ca_file": None}),
    ],
)
async def test_patch_rebinding_field_without_password_is_refused(
    client: httpx.AsyncClient, mailstack: MailStack, protocol: str, change: dict
) -> None:
    user = mailstack.new_user("cr")
    spec = account_spec(mailstack, user)
    assert (await client.post("/v1/accounts", json=spec)).status_code == 201
    url = f"/v1/accounts/{spec['id']}"
    before = (await client.get(url)).json()
    block = {**without_password(server_block(mailstack, user, protocol)), **change}
    resp = await client.patch(url, json={protocol: block})
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "credentials_required"
    assert next(iter(change)) in resp.json()["detail"]
    assert (await client.get(url)).json() == before


OAUTH_SPEC = {
    "id": "oauth-a",
    "name": "OAuth",
    "email": "o@example.test",
    "imap": {
        "host": "imap.example.test",
        "port": 993,
        "username": "o@example.test",
        "oauth2": {
            "access_token": "at-secret",
            "refresh_token": "rt-secret",
            "token_url": "https://login.example.test/token",
            "client_id": "app-1",
            "client_secret": "cs-secret",
        },
    },
}


@pytest.mark.parametrize(
    "oauth2",
    [
        {"token_url": "https://evil.example.test/token", "client_id": "app-1"},
        {"token_url": "https://login.example.test/token", "client_id": "app-2"},
    ],
)
async def test_patch_oauth2_endpoint_without_secrets_is_refused(
    client: httpx.AsyncClient, oauth2: dict
) -> None:
    assert (await client.post("/v1/accounts", json=OAUTH_SPEC)).status_code == 201
    block = {**OAUTH_SPEC["imap"], "oauth2": oauth2}
    resp = await client.patch("/v1/accounts/oauth-a", json={"imap": block})
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "credentials_required"
    stored = await client.app.state.services.accounts.get("oauth-a")
    assert stored.imap.oauth2.token_url == "https://login.example.test/token"
    assert stored.imap.oauth2.refresh_token.get_secret_value() == "rt-secret"


async def test_patch_oauth2_same_endpoint_keeps_the_tokens(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/accounts", json=OAUTH_SPEC)).status_code == 201
    same = {"token_url": "https://login.example.test/token", "client_id": "app-1"}
    resp = await client.patch(
        "/v1/accounts/oauth-a", json={"imap": {**OAUTH_SPEC["imap"], "oauth2": same}}
    )
    assert resp.status_code == 200, resp.text
    stored = await client.app.state.services.accounts.get("oauth-a")
    assert stored.imap.oauth2.refresh_token.get_secret_value() == "rt-secret"
    assert stored.imap.oauth2.client_secret.get_secret_value() == "cs-secret"
